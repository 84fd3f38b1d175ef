//! `serve`'s control lines, read from its standard input, so a learner at the terminal
//! (and a test) can break the cluster under running clients: `crash N` stops broker N as
//! a crash does (its state machine stops, its logs stay in its store, every connection to
//! it is closed and new ones are closed at once, the controller fences it after
//! `broker.session.timeout.ms` and elects new leaders), `restart N` starts it again (it
//! recovers its logs, registers and catches up). Each line is answered on standard output
//! ("broker 2 crashed") or, when it is not a command, with what is accepted. The actions
//! enter the simulation as a scenario's `crash`/`restart` steps do, so they are journaled.
//! `stop` ends the session: the journal (`--journal`) is complete, and the final state
//! (what `replay` of that journal prints) goes to standard output as one JSON line.

use crate::sim::picture::live::LiveAction;

/// One control line, parsed: an action on a broker (as the page's buttons take), or the
/// end of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    Act(LiveAction),
    Stop,
}

/// The line as a command for a cluster of `brokers` brokers, or the answer to print.
pub fn parse(line: &str, brokers: u32) -> Result<Control, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let usage = || format!("commands: crash N, restart N (N = a broker id, 1 to {brokers}), stop");
    if words == ["stop"] {
        return Ok(Control::Stop);
    }
    let [verb, id] = words.as_slice() else { return Err(usage()) };
    let Ok(id) = id.parse::<u32>() else { return Err(format!("{id:?} is not a broker id; {}", usage())) };
    if !(1..=brokers).contains(&id) {
        return Err(format!("no broker {id}; {}", usage()));
    }
    match *verb {
        "crash" => Ok(Control::Act(LiveAction::Crash(id))),
        "restart" => Ok(Control::Act(LiveAction::Restart(id))),
        _ => Err(usage()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_or_say_what_is_accepted() {
        assert_eq!(parse("crash 2", 3), Ok(Control::Act(LiveAction::Crash(2))));
        assert_eq!(parse("  restart   3 ", 3), Ok(Control::Act(LiveAction::Restart(3))));
        assert!(parse("crash 4", 3).unwrap_err().starts_with("no broker 4"));
        assert!(parse("crash x", 3).unwrap_err().contains("not a broker id"));
        assert!(parse("pause 1", 3).unwrap_err().starts_with("commands:"));
        assert!(parse("", 3).is_err());
        assert_eq!(parse(" stop\n", 3), Ok(Control::Stop));
        assert!(parse("stop 1", 3).is_err());
    }
}
