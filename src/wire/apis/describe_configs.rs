//! DescribeConfigs 1–4 (`KafkaApis.handleDescribeConfigsRequest` → `ConfigHelper`): one
//! engine request to the connection's broker, which answers from its metadata image and
//! its own configuration ([`crate::engine::replica::describe_configs`] says what it lists
//! and from where). A client sends topic resources to any broker and a broker's own
//! resource to that broker, as Kafka's admin client does. `is_sensitive` is false (the
//! playground has no passwords); `synonyms` are empty (v1+ asks for them with
//! `include_synonyms`: the playground keeps no chain of broker-level names behind a
//! topic's value); `config_type` is UNKNOWN (0) and `documentation` null (v3+).

use super::{code, text, Ctx, OneAnswer};
use crate::engine::cluster::messages::ConfigResource;
use crate::engine::cluster::Message;
use crate::wire::request::{encode_response, Header};
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{ApiKey, DescribeConfigsRequest, DescribeConfigsResponse};

pub fn start(request: &DescribeConfigsRequest, ctx: &mut Ctx) -> OneAnswer {
    let resources = request
        .resources
        .iter()
        .map(|r| ConfigResource {
            resource_type: r.resource_type,
            name: r.resource_name.to_string(),
            keys: r.configuration_keys.as_ref().map(|k| k.iter().map(|s| s.to_string()).collect()),
        })
        .collect();
    let id =
        ctx.send(ctx.broker, |correlation_id| Message::DescribeConfigsRequest { correlation_id, resources });
    OneAnswer::new(id, encode)
}

fn encode(header: &Header, answer: &Message) -> Result<Vec<u8>, String> {
    let Message::DescribeConfigsResponse { results, .. } = answer else {
        return Err(format!(
            "{:?}: no DescribeConfigs answer to encode (got {answer:?})",
            ApiKey::DescribeConfigs
        ));
    };
    let results = results
        .iter()
        .map(|r| {
            let configs = r
                .configs
                .iter()
                .map(|c| {
                    DescribeConfigsResourceResult::default()
                        .with_name(text(&c.name))
                        .with_value(Some(text(&c.value)))
                        .with_read_only(c.read_only)
                        .with_config_source(c.source.id())
                        .with_is_sensitive(false)
                })
                .collect();
            DescribeConfigsResult::default()
                .with_error_code(code(r.error))
                .with_error_message(r.message.as_deref().map(text))
                .with_resource_type(r.resource_type)
                .with_resource_name(text(&r.name))
                .with_configs(configs)
        })
        .collect();
    encode_response(header, header.api_version, &DescribeConfigsResponse::default().with_results(results))
}
