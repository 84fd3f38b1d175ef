//! For tests that drive `serve`'s simulation: runs it until broker 1 has registered and
//! is unfenced (as `serve` waits before it accepts connections).

use kafka_playground::engine::cluster::NodeView;
use kafka_playground::sim::Sim;

/// Runs `sim` in 10 ms steps until broker 1 is the one live broker; returns the time.
pub fn run_until_broker_1_serves(sim: &mut Sim) -> i64 {
    let mut now = 0;
    while !matches!(sim.live_node(1).map(|n| n.view()),
        Some(NodeView::Broker(b)) if b.image().live_brokers() == vec![1])
    {
        now += 10;
        assert!(now < 30_000, "broker 1 never unfenced");
        sim.run_until(now, 1_000_000);
    }
    now
}
