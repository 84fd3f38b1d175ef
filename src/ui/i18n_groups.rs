//! The consumer-groups band's strings, in English and Russian (the same style as
//! `i18n.rs`'s `T`): group states explained in plain words, members, rebalances, lag and
//! the controls. Kafka's own terms (generation, offset, config names) stay as Kafka writes them.

use super::i18n::Lang;

macro_rules! group_texts {
    ($($name:ident => $en:expr, $ru:expr;)*) => {
        /// A string of the consumer-groups band.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum G { $($name),* }

        impl G {
            pub const ALL: &'static [G] = &[$(G::$name),*];

            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((G::$name, Lang::En) => $en, (G::$name, Lang::Ru) => $ru,)*
                }
            }
        }
    };
}

group_texts! {
    Band => "Consumer groups", "Группы потребителей";
    PlacedBy => "partitioner", "партиционер";
    PlacedSticky => "no key — the sticky partition (KIP-480) takes whole batches in turn", "ключа нет — «липкая» партиция (KIP-480): пачки записей по очереди";
    PlacedNotByKey => "the key hashes elsewhere: the partition was given explicitly (or the topic had fewer partitions then)", "хеш ключа указывает на другую партицию: партиция задана явно (или в топике тогда было меньше партиций)";
    PlacedByCoordinator => "written by the group coordinator (offset commits, group metadata), not by a partitioner", "записано координатором группы (коммиты offset'ов, метаданные группы), а не партиционером";
    NoGroups => "No consumer group in this scenario.", "В этом сценарии нет групп консумеров.";
    Group => "Group", "Группа";
    State => "state", "состояние";
    Generation => "generation", "поколение (generation)";
    Leader => "leader", "лидер";
    Coordinator => "coordinator: broker", "координатор: брокер";
    Assignor => "assignor", "assignor";
    NoCoordinatorYet => "not yet known", "пока неизвестно";
    StateEmpty => "Empty: the group has no members (its committed offsets are kept).", "Empty — в группе нет участников (зафиксированные offset'ы сохраняются).";
    StatePreparing => "PreparingRebalance: a rebalance began; the coordinator waits for every member to send JoinGroup again.", "PreparingRebalance — началась ребалансировка; координатор ждёт, пока каждый участник снова пришлёт JoinGroup.";
    StateCompleting => "CompletingRebalance: everyone joined; the leader computes the assignment and the members wait for it (SyncGroup).", "CompletingRebalance — все вступили; лидер вычисляет распределение, участники ждут его (SyncGroup).";
    StateStable => "Stable: every member has its partitions and heartbeats; nothing moves.", "Stable — у каждого участника свои партиции, heartbeat'ы идут, ничего не переезжает.";
    StateDead => "Dead: the group is gone from this coordinator (removed, or its coordinator moved).", "Dead — группы больше нет на этом координаторе (удалена или координатор сменился).";
    StateUnknown => "No coordinator has reported this group yet (FindCoordinator, JoinGroup still to come).", "Координатор ещё не сообщал об этой группе (FindCoordinator и JoinGroup впереди).";
    Members => "Members", "Участники";
    Member => "member", "участник";
    StatusUp => "running", "работает";
    StatusPaused => "paused (SIGSTOP)", "приостановлен (SIGSTOP)";
    StatusCrashed => "crashed (no LeaveGroup)", "упал (без LeaveGroup)";
    StatusClosed => "closed", "закрыт";
    StatusFailed => "stopped by an error", "остановлен ошибкой";
    StatusNotStarted => "not started", "не запущен";
    Owns => "owns", "владеет";
    OwnsNothing => "owns no partition", "нет партиций";
    Heartbeat => "last heartbeat", "последний heartbeat";
    SessionLeft => "session.timeout.ms left", "осталось до session.timeout.ms";
    SessionExpired => "session expired: the coordinator evicts it", "сессия истекла: координатор исключает участника";
    HeartbeatsPaused => "heartbeats paused", "heartbeat'ы остановлены";
    Processing => "ms per record", "мс на запись";
    Consumed => "processed", "обработано";
    Duplicates => "again (duplicates)", "повторно (дубликаты)";
    WaitingForTopic => "waits for a topic that does not exist:", "ждёт несуществующий топик:";
    Crash => "Crash", "Уронить";
    Restart => "Restart", "Перезапустить";
    Close => "Close (LeaveGroup)", "Закрыть (LeaveGroup)";
    PauseHeartbeats => "Pause heartbeats", "Остановить heartbeat'ы";
    ResumeHeartbeats => "Resume heartbeats", "Возобновить heartbeat'ы";
    SlowDown => "Slow down", "Замедлить";
    SlowHint => "Processing time per record (playground.processing.time.per.record.ms); past max.poll.interval.ms the member leaves the group.", "Время обработки одной записи (playground.processing.time.per.record.ms); дольше max.poll.interval.ms — и участник покидает группу.";
    Rebalances => "Rebalances", "Ребалансировки";
    NoRebalances => "No rebalance yet.", "Ребалансировок пока не было.";
    SpanHelp => "Each bar: one member from its JoinGroup to its new assignment. Dark: it processed nothing (stop the world).", "Каждая полоса — участник от JoinGroup до нового распределения. Тёмная часть — он ничего не обрабатывал (stop the world).";
    StoppedFor => "processed nothing for", "ничего не обрабатывал";
    KeptWorking => "kept processing its partitions", "продолжал обрабатывать свои партиции";
    FirstJoin => "had no partitions: nothing to stop", "партиций не было — нечего останавливать";
    InProgress => "in progress", "идёт";
    Revoked => "revoked", "отозваны";
    StopTheWorld => "stop the world", "stop the world (остановка мира)";
    StopShort => "stop the world", "остановка мира";
    NobodyStopped => "nobody stopped (members kept processing what they kept)", "никто не останавливался (участники продолжали обрабатывать то, что у них осталось)";
    PartitionsUnserved => "partitions unserved", "партиции без обработки";
    Longest => "longest", "дольше всего";
    NoneWord => "none", "нет";
    RebalanceRunning => "rebalance in progress", "идёт ребалансировка";
    Began => "began", "начало";
    Took => "took", "длилась";
    For => "for", "уже";
    OwnedByCrashed => "owned by crashed", "принадлежит упавшему";
    NotConsumed => "not consumed (the coordinator waits for session.timeout.ms)", "не читается (координатор ждёт session.timeout.ms)";
    AssignedTo => "assigned to", "назначена";
    NotConsumedYet => "not consumed yet", "пока не читается";
    CrashedOwner => "its owner crashed:", "её владелец упал:";
    RevokedBy => "revoked by", "отозвана у";
    OwnedByNobody => "owned by nobody", "ничья";
    NotConsumedShort => "not consumed", "не читается";
    CrashedShort => "crashed", "упал";
    NobodyHadPartitions => "nobody had partitions to stop", "ни у кого ещё не было партиций — останавливать нечего";
    PartitionCol => "partition", "партиция";
    LagCol => "lag", "lag";
    Sec => "s", "с";
    Why => "why", "причина";
    RebalanceBars => "Each member's rebalances (bars)", "Ребалансировки каждого участника (полосы)";
    ChangeTheGroup => "Change the group: add a consumer, switch the assignor, add partitions", "Изменить группу: добавить консумера, сменить assignor, добавить партиции";
    CoordinatorPartitionHelp => "the group coordinator is the leader of this __consumer_offsets partition (abs(group.id hashCode) % 50); commits and the group's metadata are written here", "координатор группы — лидер этой партиции __consumer_offsets (abs(hashCode group.id) % 50); сюда пишутся коммиты и метаданные группы";
    Lag => "Lag", "Отставание (lag)";
    LagHelp => "LAG = LOG-END-OFFSET (high watermark) − CURRENT-OFFSET (committed), as kafka-consumer-groups --describe shows it.", "LAG = LOG-END-OFFSET (high watermark) − CURRENT-OFFSET (зафиксированный), как в kafka-consumer-groups --describe.";
    LogEnd => "log end", "log end";
    Committed => "committed", "committed";
    Owner => "owner", "владелец";
    Nobody => "nobody", "никто";
    Notes => "Consumers say", "Консумеры сообщают";
    AddConsumer => "Add consumer", "Добавить консумера";
    AddConsumerHint => "Starts a consumer the scenario declared for later, with these settings.", "Запускает консумера, объявленного в сценарии на потом, с этими настройками.";
    NoMoreConsumers => "Every declared consumer runs (a scenario declares extra ones with \"start\": false).", "Все объявленные консумеры запущены (лишние объявляются в сценарии с \"start\": false).";
    SwitchAssignor => "Switch assignor (rolling restart)", "Сменить assignor (rolling restart)";
    SwitchHint => "Each member in turn closes and starts again with the new partition.assignment.strategy, 10 s apart, as a rolling bounce does. From range to cooperative-sticky Kafka needs two bounces: first \"cooperative-sticky,range\", then \"cooperative-sticky\"; jumping straight there fails with INCONSISTENT_GROUP_PROTOCOL.", "Участники по очереди, с шагом 10 с, закрываются и запускаются с новым partition.assignment.strategy — как при rolling bounce. Переход с range на cooperative-sticky в Kafka — в два прохода: сначала \"cooperative-sticky,range\", потом \"cooperative-sticky\"; сразу — ошибка INCONSISTENT_GROUP_PROTOCOL.";
    Apply => "Apply", "Применить";
    AddPartitions => "Add partitions", "Добавить партиции";
    AddPartitionsHint => "CreatePartitions: the group's leader notices the new count at its next metadata refresh (metadata.max.age.ms) and asks for a rebalance.", "CreatePartitions: лидер группы увидит новое число партиций при следующем обновлении метаданных (metadata.max.age.ms) и запросит ребалансировку.";
    NewCount => "new partition count", "новое число партиций";
    ErrNotNumber => "must be a whole number", "должно быть целым числом";
    ErrNotMore => "must be more than the current count", "должно быть больше текущего";
    Ms => "ms", "мс";
}

/// Virtual milliseconds with thousands grouped as each language writes them: "4,997 ms",
/// "4 997 мс".
pub fn ms_text(l: Lang, ms: i64) -> String {
    format!("{} {}", grouped(l, ms), G::Ms.get(l))
}

/// Seconds with one decimal: "20.0 s", "20,0 с".
pub fn s_text(l: Lang, ms: i64) -> String {
    let text = format!("{:.1}", ms as f64 / 1000.0);
    let text = if l == Lang::Ru { text.replace('.', ",") } else { text };
    format!("{text} {}", G::Sec.get(l))
}

fn grouped(l: Lang, n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sep = if l == Lang::Ru { "\u{a0}" } else { "," };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The Russian plural form for `n`: `one` (1, 21, …), `few` (2–4, 22–24, …) or `many`
/// (0, 5–20, 25–30, … and 11–14): "1 запись", "3 записи", "5 записей".
pub fn ru_plural(n: u64, one: &'static str, few: &'static str, many: &'static str) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=14) => many,
        (1, _) => one,
        (2..=4, _) => few,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_each_language_writes_them() {
        assert_eq!(ms_text(Lang::En, 4_997), "4,997 ms");
        assert_eq!(ms_text(Lang::Ru, 4_997), "4\u{a0}997 мс");
        assert_eq!(s_text(Lang::Ru, 20_012), "20,0 с");
        assert_eq!(ru_plural(3, "запись", "записи", "записей"), "записи");
        assert_eq!(ru_plural(11, "запись", "записи", "записей"), "записей");
        assert_eq!(ru_plural(21, "запись", "записи", "записей"), "запись");
    }

    #[test]
    fn every_group_text_has_both_languages() {
        for g in G::ALL {
            assert!(!g.get(Lang::En).is_empty(), "{g:?} en");
            assert!(!g.get(Lang::Ru).is_empty(), "{g:?} ru");
        }
    }
}
