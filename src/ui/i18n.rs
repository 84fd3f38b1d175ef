//! The one translation table: every string the page shows, in English and Russian.
//! Kafka's own terms (offset, ISR, acks, config names) stay as Kafka writes them.
//! The chosen language is remembered in `localStorage` under `kafka-playground.lang`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    En,
    Ru,
}

const LANG_STORAGE_KEY: &str = "kafka-playground.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
        }
    }

    /// The remembered choice, else the browser's language, else English.
    pub fn load() -> Lang {
        let window = web_sys::window();
        let stored = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(LANG_STORAGE_KEY).ok().flatten());
        match stored.as_deref() {
            Some("ru") => Lang::Ru,
            Some("en") => Lang::En,
            _ => {
                let nav = window.map(|w| w.navigator().language().unwrap_or_default()).unwrap_or_default();
                if nav.starts_with("ru") {
                    Lang::Ru
                } else {
                    Lang::En
                }
            }
        }
    }

    pub fn store(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(LANG_STORAGE_KEY, self.code());
        }
    }
}

macro_rules! texts {
    ($($name:ident => $en:expr, $ru:expr;)*) => {
        /// A string of the page.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum T { $($name),* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$name),*];

            pub fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((T::$name, Lang::En) => $en, (T::$name, Lang::Ru) => $ru,)*
                }
            }
        }
    };
}

texts! {
    Title => "Kafka Playground", "Kafka Playground";
    Tagline => "A Kafka broker running in this tab", "Брокер Kafka, работающий в этой вкладке";
    Loading => "Starting the broker and recovering its logs from IndexedDB…", "Запускаем брокер и восстанавливаем логи из IndexedDB…";
    Recovered => "Recovered from IndexedDB", "Восстановлено из IndexedDB";
    Segments => "segments", "сегментов";
    Language => "Language", "Язык";
    Producers => "Producer", "Продюсер";
    Cluster => "Cluster", "Кластер";
    Consumers => "Reader", "Чтение";
    ConsumerGroups => "Consumer groups", "Группы потребителей";
    Timeline => "Events", "События";
    Broker => "Broker", "Брокер";
    CreateTopic => "Create topic", "Создать топик";
    Admin => "Admin", "Администрирование";
    BrokersCount => "Brokers", "Брокеров";
    AddBroker => "Add broker", "Добавить брокер";
    AddBrokerHelp => "Start one more broker: it registers with the controller and hosts replicas of topics created from now on.", "Запустить ещё один брокер: он регистрируется у контроллера и получает реплики топиков, созданных после этого.";
    TopicConfigsLines => "Topic configs (one name=value per line)", "Настройки топика (по одной name=value в строке)";
    TopicName => "Topic name", "Имя топика";
    Partitions => "Partitions", "Партиции";
    Partition => "Partition", "Партиция";
    Create => "Create", "Создать";
    Topic => "Topic", "Топик";
    Key => "Key", "Ключ";
    NullKey => "null key", "ключ null";
    Value => "Value", "Значение";
    Headers => "Headers (one key=value per line)", "Заголовки (по одному key=value в строке)";
    Count => "Records", "Записей";
    CountHint => "{i} in key or value becomes the record's number", "{i} в ключе или значении заменяется номером записи";
    Partitioner => "Partitioner", "Партиционер";
    PartitionerHint => "built_in is the Java client's; the others are librdkafka's (consistent_random is its default)", "built_in — как в Java-клиенте; остальные — как в librdkafka (по умолчанию consistent_random)";
    IdempotenceWhy => "The idempotent producer is not implemented in the playground yet: batches carry no producer id or sequence numbers and brokers do not deduplicate them, so a retried batch can be written twice. enable.idempotence therefore defaults to false (Kafka 3.0 and later default to true) and true is refused.", "Идемпотентный продюсер в песочнице пока не реализован: у батчей нет producer id и номеров последовательности, брокеры их не дедуплицируют, поэтому повторно отправленный батч может записаться дважды. Поэтому enable.idempotence по умолчанию false (в Kafka 3.0 и новее — true), а значение true отклоняется.";
    ProduceMore => "Partitioner, partition, headers", "Партиционер, партиция, заголовки";
    ProducersOwn => "the producer's own", "как настроен продюсер";
    ExplicitPartition => "Partition (empty: let the partitioner choose)", "Партиция (пусто — выбирает партиционер)";
    Produce => "Produce", "Отправить";
    Acknowledged => "acknowledged", "подтверждено";
    Offsets => "offsets", "offset'ы";
    Seed => "seed", "seed";
    LogStartOffset => "log start offset", "начало лога (log start offset)";
    LogStartShort => "log start", "начало лога";
    LogEndOffset => "log end offset", "log end offset";
    HighWatermark => "high watermark", "high watermark";
    LogStartHelp => "Log start offset: the first offset still kept; retention moves it forward.", "Начало лога (log start offset) — первый ещё хранимый offset; retention сдвигает его вперёд.";
    LogEndHelp => "Log end offset (LEO): the offset the next record will get.", "Log end offset (LEO) — offset, который получит следующая запись.";
    HighWatermarkHelp => "High watermark: the offset of the first record not yet copied to every in-sync replica; consumers read the records below it.", "High watermark — offset первой записи, которой ещё нет у всех in-sync реплик; консумеры читают записи ниже него.";
    SegmentHelp => "A segment: one .log file with its .index and .timeindex; the last one is active and receives appends.", "Сегмент — один файл .log со своими .index и .timeindex; последний активен, в него идёт запись.";
    OffsetHelp => "Offset: the record's position in its partition, assigned by the broker.", "Offset — номер записи в партиции, его назначает брокер.";
    Active => "active", "активный";
    Size => "size", "размер";
    Bytes => "bytes", "байт";
    Records => "records", "записей";
    IndexEntries => "index entries", "записей индекса";
    TimeIndexEntries => "time index entries", "записей time index";
    LargestTimestamp => "largest timestamp", "наибольший timestamp";
    BaseOffset => "base offset", "base offset";
    NextOffset => "next offset", "следующий offset";
    Export => "Download .log/.index/.timeindex", "Скачать .log/.index/.timeindex";
    RetentionCheck => "Run retention check now", "Проверить retention сейчас";
    RetentionHint => "Every broker runs this check every log.retention.check.interval.ms (Kafka: 300000 ms; the playground: 10000 ms): segments past retention.ms or retention.bytes are deleted, never past the high watermark.", "Каждый брокер делает эту проверку раз в log.retention.check.interval.ms (в Kafka — 300000 мс, здесь — 10000 мс): удаляются сегменты старше retention.ms или сверх retention.bytes, но никогда не дальше high watermark.";
    Read => "Read", "Прочитать";
    LogOfReplica => "Log of a replica", "Лог реплики";
    NoReplicas => "No broker is running a replica.", "Ни один работающий брокер не хранит реплик.";
    Replica => "Replica", "Реплика";
    ByTimestamp => "from a timestamp (ms) instead of an offset", "с timestamp (мс) вместо offset'а";
    Offset => "offset", "offset";
    FromOffset => "From offset", "С offset'а";
    MaxBytes => "max.bytes", "max.bytes";
    NothingToRead => "No records at this offset yet.", "По этому offset'у записей пока нет.";
    Timestamp => "timestamp", "timestamp";
    Details => "Segments of", "Сегменты";
    ClickPartition => "Click a partition to see its segments.", "Нажмите на партицию, чтобы увидеть её сегменты.";
    TopicConfigs => "Topic configs", "Настройки топика";
    ConfigsHint => "Kafka's names and defaults; empty means the default.", "Имена и значения по умолчанию — как в Kafka; пусто — значение по умолчанию.";
    Reset => "Reset workspace", "Сбросить рабочее пространство";
    ResetConfirm => "Delete every topic and record in this workspace and start again from the example?", "Удалить все топики и записи и начать заново с примера?";
    NoEvents => "Nothing has happened yet.", "Пока ничего не произошло.";
    EvTopicCreated => "topic created", "топик создан";
    EvAppended => "appended", "дописано";
    EvRolled => "new segment rolled", "начат новый сегмент";
    EvDeleted => "segment deleted by retention", "сегмент удалён по retention";
    EvRecovered => "recovered", "восстановлено";
    EvTruncated => "torn tail truncated", "обрезан повреждённый хвост";
    ByTime => "retention.ms", "retention.ms";
    BySize => "retention.bytes", "retention.bytes";
    StorageFailed => "Storage failed", "Ошибка хранилища";
    Fatal => "The page hit an internal error. Your data is safe in IndexedDB; reload the page.", "Внутренняя ошибка страницы. Данные сохранены в IndexedDB; перезагрузите страницу.";
    NoTopics => "No topics yet: create one with the Create topic form.", "Топиков пока нет — создайте в форме «Создать топик».";
    Example => "Example from the lecture: 25 records, key = bytes(i), consistent_random", "Пример из лекции: 25 записей, key = bytes(i), consistent_random";
    ErrorPrefix => "Error", "Ошибка";
    MustBeNumber => "must be a whole number", "должно быть целым числом";
    Bands => "Parts of the page", "Части страницы";
    OpenFull => "Open the full page", "Открыть всю страницу";
    // The cluster picture (`?scenario=…`, lecture section 5).
    ScenarioLabel => "Scenario", "Сценарий";
    UnknownScenario => "Unknown scenario", "Неизвестный сценарий";
    ChooseOneOf => "choose one of", "выберите один из";
    BadSeed => "seed must be a whole number from 0 to 18446744073709551615, not", "seed должен быть целым числом от 0 до 18446744073709551615, а не";
    Starting => "Starting the brokers (one web worker each) and recovering their logs from IndexedDB…", "Запускаем брокеры (каждый в своём web worker) и восстанавливаем их логи из IndexedDB…";
    DriverFailed => "The simulation stopped", "Симуляция остановилась";
    WorkspaceBusy => "This workspace is open in another tab, which runs it. This tab starts nothing and writes nothing to its IndexedDB, so the two never mix their runs; it takes over by itself when the other tab closes.", "Это рабочее пространство открыто в другой вкладке, и прогон идёт там. Эта вкладка ничего не запускает и ничего не пишет в его IndexedDB, чтобы два прогона не смешались; она сама продолжит, когда другую вкладку закроют.";
    WorkspaceBusyNew => "Open this scenario in a new workspace", "Открыть сценарий в новом рабочем пространстве";
    PauseRun => "Pause", "Пауза";
    PlayRun => "Play", "Пуск";
    StepRun => "Step", "Шаг";
    Speed => "Speed", "Скорость";
    AchievedSpeed => "achieved", "фактически";
    SpeedHelp => "Virtual milliseconds per real millisecond. Keys: space pause/play, → step, [ slower, ] faster.", "Виртуальных миллисекунд на одну реальную. Клавиши: пробел — пауза/пуск, → — шаг, [ — медленнее, ] — быстрее.";
    ClockHelp => "Virtual time of the simulated cluster since the scenario started.", "Виртуальное время моделируемого кластера от начала сценария.";
    RunEnd => "end", "конец";
    RestartScenario => "Start over", "Сначала";
    ReplicasColumn => "replicas", "реплики";
    ShowInternalTopics => "Show internal topics", "Показать внутренние топики";
    PartitionsWord => "partitions", "партиций";
    RestartScenarioConfirm => "Forget this run (and its IndexedDB data) and start the scenario from the beginning?", "Забыть этот прогон (и его данные в IndexedDB) и начать сценарий сначала?";
    Controller => "Controller", "Контроллер";
    ControllerHelp => "The KRaft controller: keeps the cluster metadata (leader, ISR, leader epoch of every partition) and elects leaders.", "Контроллер KRaft хранит метаданные кластера (лидер, ISR, leader epoch каждой партиции) и выбирает лидеров.";
    StatusUp => "up", "работает";
    StatusPaused => "paused", "на паузе";
    StatusCrashed => "crashed", "упал";
    CrashNode => "Crash", "Уронить";
    RestartNode => "Restart", "Перезапустить";
    PauseNode => "Pause", "Приостановить";
    ResumeNode => "Resume", "Возобновить";
    Leader => "leader", "лидер";
    Follower => "follower", "фолловер";
    LeaderHelp => "Leader: the replica that takes the partition's writes; followers copy its log with Fetch requests.", "Лидер — реплика, которая принимает запись в партицию; фолловеры копируют её лог запросами Fetch.";
    InIsr => "in ISR", "в ISR";
    OutOfSync => "out of sync", "отстаёт, не в ISR";
    IsrHelp => "ISR (in-sync replicas): replicas caught up with the leader within replica.lag.time.max.ms; acks=all waits for all of them, and only they are elected cleanly.", "ISR (in-sync replicas) — реплики, догнавшие лидера в пределах replica.lag.time.max.ms; acks=all ждёт их все, и только из них лидер выбирается «чисто».";
    LeaderEpoch => "leader epoch", "leader epoch";
    LeaderEpochHelp => "Leader epoch: grows with every new leader; requests from an older epoch are fenced.", "Leader epoch растёт с каждым новым лидером; запросы со старой эпохой отвергаются.";
    StaleLeader => "stale: the controller has a newer leader", "устарел: у контроллера уже новый лидер";
    NoLeader => "no leader (offline)", "нет лидера (offline)";
    NoReplicaHere => "crashed: its log waits in IndexedDB until it restarts", "упал: его лог ждёт в IndexedDB до перезапуска";
    UncommittedHelp => "Above the high watermark: not yet on every in-sync replica, consumers cannot read it yet.", "Выше high watermark: ещё не на всех in-sync репликах, консумеры его пока не видят.";
    InFlight => "On the wire", "В сети";
    NothingInFlight => "nothing on the wire", "в сети ничего нет";
    CutLinks => "Cut links", "Разорвать связи";
    Heal => "Heal the network", "Восстановить сеть";
    Isolate => "isolate", "изолировать";
    CutHelp => "Choose brokers to isolate from every other node (the controller and the clients too).", "Выберите брокеры, которые нужно отрезать от всех остальных узлов (и от контроллера, и от клиентов).";
    NetworkWhole => "the network is whole", "сеть цела";
    CutOff => "cut off", "отрезан";
    Network => "Network", "Сеть";
    Clients => "clients", "клиенты";
    ProducerAcks => "acks", "acks";
    Failed => "failed", "ошибка";
    Pending => "pending", "ждёт ответа";
    RecordsInFlight => "in flight", "в пути";
    AtOffset => "at offset", "с offset'а";
    ReplicationFactor => "replication factor", "фактор репликации";
    Sends => "Sends", "Отправки";
    NoSends => "No sends yet.", "Отправок пока не было.";
    KeyPatternHint => "{i} becomes the record's number and {i:bytes} Python's bytes(i) (i zero bytes, the lecture's key); tick null key to send records without a key.", "{i} заменяется номером записи, а {i:bytes} — значением Python bytes(i) (i нулевых байтов, ключ из лекции); отметьте «ключ null», чтобы отправить записи без ключа.";
    JournalEntries => "journal entries", "записей журнала";
    DownloadJournal => "Download the journal (JSON)", "Скачать журнал (JSON)";
    Violations => "Invariant violations", "Нарушения инвариантов";
    NoViolations => "no invariant violations", "нарушений инвариантов нет";
    ShowEveryEvent => "also show appends and high watermark moves", "показывать также дописывания и сдвиги high watermark";
    EvRegistered => "registered with the controller", "зарегистрировался у контроллера";
    EvFenced => "fenced by the controller", "отстранён контроллером (fenced)";
    EvUnfenced => "unfenced: back in the cluster", "снова в кластере (unfenced)";
    EvLeaderElected => "new leader", "новый лидер";
    EvUncleanElection => "UNCLEAN election: a replica outside the ISR became leader, acknowledged records may be lost", "НЕЧИСТЫЕ выборы (unclean): лидером стала реплика не из ISR, подтверждённые записи могут пропасть";
    EvOffline => "no leader: no in-sync replica is available, the partition is offline", "лидера нет: ни одной доступной in-sync реплики, партиция offline";
    EvIsrShrunk => "left the ISR", "выбыл из ISR";
    EvIsrExpanded => "joined the ISR", "вернулся в ISR";
    EvLeaderAppended => "leader appended", "лидер дописал";
    EvHwAdvanced => "high watermark", "high watermark";
    EvFollowerTruncated => "truncated its log to offset", "обрезал свой лог до offset'а";
    EvRemovedRecords => "records removed", "записей удалено";
    EvSendAcked => "send acknowledged", "отправка подтверждена";
    EvSendFailed => "send failed", "отправка не удалась";
    EvSendRetried => "send will be retried after", "отправка будет повторена после";
    EvAttempt => "attempt", "попытка";
    RetriedOn => "retried on", "повторялась из-за";
    EvRefused => "refused", "отказ";
    EvGroupState => "group", "группа";
    EvGeneration => "generation", "поколение";
    EvMemberJoined => "a member joined", "вступил участник";
    EvMemberRemoved => "a member was removed", "участник удалён";
    EvSessionTimeout => "no heartbeat for session.timeout.ms", "нет heartbeat дольше session.timeout.ms";
    EvLeftGroup => "left the group (LeaveGroup)", "покинул группу (LeaveGroup)";
    EvRebalanceTimeout => "did not rejoin in time (rebalance timeout)", "не успел заново вступить (rebalance timeout)";
    EvSyncTimeout => "did not sync in time", "не прислал SyncGroup вовремя";
    EvPendingTimeout => "never came back with its member id", "так и не вернулся со своим member id";
    EvAssigned => "assigned", "получил";
    EvRevoked => "gave up", "отдал";
    EvLost => "lost", "потерял";
    EvRejoining => "rejoins the group", "заново вступает в группу";
    EvCoordinatorLoaded => "became group coordinator for __consumer_offsets partition", "стал координатором групп для партиции __consumer_offsets";
    EvCoordinatorUnloaded => "is no longer coordinator for __consumer_offsets partition", "больше не координатор для партиции __consumer_offsets";
    EvPartitionsCreated => "partitions added", "партиции добавлены";
    EvSegmentsDeleted => "segments deleted", "сегменты удалены";
    EvBelowLogStart => "below the log start offset", "ниже log start offset";
    EvFromLeader => "from the leader", "по лидеру";
    EvLowWatermark => "low watermark", "low watermark";
    EvLogCleaned => "cleaned: records removed", "очищена: удалено записей";
}

/// "record"/"records" for `n`, with Russian's three plural forms ("1 запись",
/// "3 записи", "5 записей").
pub fn records_word(lang: Lang, n: u64) -> &'static str {
    match lang {
        Lang::En if n == 1 => "record",
        Lang::En => "records",
        Lang::Ru => match (n % 10, n % 100) {
            (_, 11..=14) => "записей",
            (1, _) => "запись",
            (2..=4, _) => "записи",
            _ => "записей",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_has_both_languages() {
        for t in T::ALL {
            assert!(!t.get(Lang::En).is_empty(), "{t:?} en");
            assert!(!t.get(Lang::Ru).is_empty(), "{t:?} ru");
        }
    }
}
