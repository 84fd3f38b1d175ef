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
    Timeline => "Events", "События";
    Broker => "Broker", "Брокер";
    CreateTopic => "Create topic", "Создать топик";
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
    ExplicitPartition => "Partition (empty: let the partitioner choose)", "Партиция (пусто — выбирает партиционер)";
    Produce => "Produce", "Отправить";
    Acknowledged => "acknowledged", "подтверждено";
    Offsets => "offsets", "offset'ы";
    Seed => "seed", "seed";
    LogStartOffset => "log start offset", "log start offset";
    LogEndOffset => "log end offset", "log end offset";
    HighWatermark => "high watermark", "high watermark";
    LogStartHelp => "Log start offset: the first offset still kept; retention moves it forward.", "Log start offset — первый ещё хранимый offset; retention сдвигает его вперёд.";
    LogEndHelp => "Log end offset (LEO): the offset the next record will get.", "Log end offset (LEO) — offset, который получит следующая запись.";
    HighWatermarkHelp => "High watermark: the last offset every in-sync replica has; consumers read up to here.", "High watermark — до этого offset'а запись есть у всех in-sync реплик; консумеры читают только до него.";
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
    RetentionHint => "Kafka runs this check every log.retention.check.interval.ms (300000); here it also runs every 10 s.", "Kafka делает эту проверку каждые log.retention.check.interval.ms (300000); здесь — ещё и каждые 10 с.";
    Read => "Read", "Прочитать";
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
