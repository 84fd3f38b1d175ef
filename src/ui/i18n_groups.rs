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
    Band => "Consumer groups", "Группы консумеров";
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
    FirstJoin => "first join", "первое вступление";
    InProgress => "in progress", "идёт";
    Revoked => "revoked", "отозваны";
    StopTheWorld => "stop the world: longest pause of a member that had partitions", "stop the world: самая долгая пауза участника, у которого были партиции";
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_text_has_both_languages() {
        for g in G::ALL {
            assert!(!g.get(Lang::En).is_empty(), "{g:?} en");
            assert!(!g.get(Lang::Ru).is_empty(), "{g:?} ru");
        }
    }
}
