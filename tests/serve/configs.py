"""DescribeConfigs through `kafka-playground serve` (issue 15), with confluent_kafka's and
kafka-python's admin clients, checked against Kafka's rules (`ConfigHelper.describeConfigs`):
a topic's configs are its own (source DYNAMIC_TOPIC_CONFIG) over LogConfig's defaults
(DEFAULT_CONFIG: segment.bytes 1 GiB, retention.ms 7 days); a broker's own configs are
read-only unless dynamic, serve's `group.initial.rebalance.delay.ms=0` is its static
configuration (STATIC_BROKER_CONFIG); a cluster-wide default set with
IncrementalAlterConfigs shows on the empty-named BROKER resource and on every broker as
DYNAMIC_DEFAULT_BROKER_CONFIG; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION.
Usage: configs.py KAFKA_PLAYGROUND_BINARY. Prints `serve configs: N passed, M failed`.
"""
import sys, time
from clients_common import PASSED, FAILED, check, raw_request, start

BIN = sys.argv[1]


def main():
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic
    proc, port = start(BIN, 2)
    boot = '127.0.0.1:%d,127.0.0.1:%d' % (port, port + 1)
    try:
        admin = AdminClient({'bootstrap.servers': boot})
        admin.create_topics([NewTopic('configured', num_partitions=1, replication_factor=2,
                                      config={'retention.ms': '60000', 'cleanup.policy': 'compact'})])['configured'].result()
        time.sleep(0.5)
        topic = admin.describe_configs([ConfigResource('topic', 'configured')])
        entries = list(topic.values())[0].result()
        check('a topic lists its configs', 'segment.bytes' in entries and 'min.insync.replicas' in entries, sorted(entries))
        e = entries.get('retention.ms')
        check('the topic\'s own retention.ms, from the topic', e is not None and e.value == '60000'
              and e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value and not e.is_read_only, e and (e.value, e.source))
        e = entries.get('cleanup.policy')
        check('its cleanup.policy=compact', e is not None and e.value == 'compact', e and e.value)
        e = entries.get('segment.bytes')
        check('segment.bytes is LogConfig\'s default 1 GiB', e is not None and e.value == '1073741824'
              and e.source == ConfigSource.DEFAULT_CONFIG.value, e and (e.value, e.source))

        broker = list(admin.describe_configs([ConfigResource('broker', '1')]).values())[0].result()
        e = broker.get('replica.lag.time.max.ms')
        check('broker 1: replica.lag.time.max.ms is Kafka\'s default 30000, read-only', e is not None
              and e.value == '30000' and e.source == ConfigSource.DEFAULT_CONFIG.value and e.is_read_only,
              e and (e.value, e.source, e.is_read_only))
        e = broker.get('group.initial.rebalance.delay.ms')
        check('broker 1: serve\'s group.initial.rebalance.delay.ms=0 is its static configuration', e is not None
              and e.value == '0' and e.source == ConfigSource.STATIC_BROKER_CONFIG.value, e and (e.value, e.source))

        # librdkafka does not name the empty BROKER resource: kafka-python's schema does.
        from kafka.protocol.admin.configs import IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse
        R = IncrementalAlterConfigsRequest.AlterConfigsResource
        altered = raw_request(port, IncrementalAlterConfigsRequest(resources=[R(resource_type=4, resource_name='',
            configs=[R.AlterableConfig(name='log.cleaner.backoff.ms', config_operation=0, value='5000')])],
            validate_only=False), IncrementalAlterConfigsResponse, 1)
        check('IncrementalAlterConfigs SET on the cluster default', altered.responses[0].error_code == 0, altered)
        time.sleep(0.5)
        from kafka.protocol.admin.configs import DescribeConfigsRequest, DescribeConfigsResponse
        D = DescribeConfigsRequest.DescribeConfigsResource
        described = raw_request(port, DescribeConfigsRequest(resources=[D(resource_type=4, resource_name='',
            configuration_keys=None)], include_synonyms=False, include_documentation=False), DescribeConfigsResponse, 4)
        cluster = {c.name: (c.value, c.config_source) for c in described.results[0].configs}
        check('the cluster-wide default set by IncrementalAlterConfigs (DescribeConfigs v4)',
              cluster == {'log.cleaner.backoff.ms': ('5000', ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value)}, cluster)
        b2 = list(admin.describe_configs([ConfigResource('broker', '2')]).values())[0].result()
        e = b2.get('log.cleaner.backoff.ms')
        check('broker 2 took it, dynamic and not read-only', e is not None and e.value == '5000'
              and e.source == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG.value and not e.is_read_only,
              e and (e.value, e.source, e.is_read_only))

        try:
            list(admin.describe_configs([ConfigResource('topic', 'no-such-topic')]).values())[0].result()
            check('an unknown topic is refused', False, 'no error')
        except KafkaException as err:
            check('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PART' in str(err), err)

        from kafka.admin import KafkaAdminClient, ConfigResource as KPResource, ConfigResourceType
        kp = KafkaAdminClient(bootstrap_servers=boot.split(','))
        answer = kp.describe_configs([KPResource(ConfigResourceType.TOPIC, 'configured')], config_filter='all')
        found = {k: v.get('value') for k, v in answer.get('topic', {}).get('configured', {}).items()}
        check('kafka-python reads the same topic configs', found.get('retention.ms') == '60000'
              and found.get('segment.bytes') == '1073741824', sorted(found.items())[:5])
        modified = kp.describe_configs([KPResource(ConfigResourceType.TOPIC, 'configured')])
        check('kafka-python\'s "modified" filter (non-default sources) finds what the topic set',
              sorted(modified.get('topic', {}).get('configured', {})) == ['cleanup.policy', 'retention.ms'], modified)
        kp.close()
    finally:
        proc.kill()
    print('serve configs: %d passed, %d failed' % (len(PASSED), len(FAILED)))
    sys.exit(1 if FAILED else 0)


if __name__ == '__main__':
    main()
