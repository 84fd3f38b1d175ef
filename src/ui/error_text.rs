//! Engine errors in the learner's language: Kafka's error name stays as Kafka writes it,
//! the explanation is English (Kafka's own wording) or Russian.

use super::i18n::Lang;
use crate::engine::error::{ConfigProblem, Corruption, ErrorKind, KafkaError};

fn config_problem(lang: Lang, p: &ConfigProblem) -> String {
    match (lang, p) {
        (Lang::En, ConfigProblem::Unknown) => "unknown topic config".into(),
        (Lang::Ru, ConfigProblem::Unknown) => "неизвестная настройка топика".into(),
        (Lang::En, ConfigProblem::NotANumber) => "not a whole number".into(),
        (Lang::Ru, ConfigProblem::NotANumber) => "не целое число".into(),
        (Lang::En, ConfigProblem::BelowMinimum { min }) => format!("Value must be at least {min}"),
        (Lang::Ru, ConfigProblem::BelowMinimum { min }) => format!("значение должно быть не меньше {min}"),
        (Lang::En, ConfigProblem::AboveMaximum { max }) => format!("Value must be no more than {max}"),
        (Lang::Ru, ConfigProblem::AboveMaximum { max }) => format!("значение должно быть не больше {max}"),
        (Lang::En, ConfigProblem::NotOneOf { allowed }) => format!("must be one of: {}", allowed.join(", ")),
        (Lang::Ru, ConfigProblem::NotOneOf { allowed }) => {
            format!("допустимо только: {}", allowed.join(", "))
        }
    }
}

fn corruption(lang: Lang, c: &Corruption) -> String {
    if lang == Lang::En {
        return c.to_string();
    }
    match c {
        Corruption::Truncated { needed, available } => {
            format!("данные обрываются: нужно {needed} байт, есть только {available}")
        }
        Corruption::UnsupportedMagic { magic } => {
            format!("неподдерживаемый magic {magic} (нужен RecordBatch v2, magic 2)")
        }
        Corruption::InvalidBatchLength { batch_length } => {
            format!("неверный batchLength {batch_length} (минимум 49)")
        }
        Corruption::CrcMismatch { stored, computed } => {
            format!("запись повреждена: CRC-32C в заголовке {stored}, вычислен {computed}")
        }
        Corruption::InvalidRecord { detail } => format!("неверная запись: {detail}"),
        Corruption::Decompression { detail } => format!("не удалось распаковать: {detail}"),
    }
}

/// `NAME: explanation` in the chosen language.
pub fn error_text(lang: Lang, e: &KafkaError) -> String {
    if lang == Lang::En {
        return e.to_string();
    }
    let body = match &e.kind {
        ErrorKind::TopicNameEmpty => "имя топика не может быть пустым".to_string(),
        ErrorKind::TopicNameDots { .. } => "имя топика не может быть \".\" или \"..\"".to_string(),
        ErrorKind::TopicNameTooLong { length, .. } => {
            format!("имя топика длиннее 249 символов ({length})")
        }
        ErrorKind::TopicNameIllegalChars { name } => format!(
            "имя топика \"{name}\" недопустимо: разрешены только латинские буквы, цифры, '.', '_' и '-'"
        ),
        ErrorKind::TopicAlreadyExists { topic } => format!("топик '{topic}' уже существует"),
        ErrorKind::UnknownTopic { topic } => format!("топика '{topic}' нет на этом брокере"),
        ErrorKind::UnknownPartition { topic, partition } => {
            format!("партиции {topic}-{partition} нет на этом брокере")
        }
        ErrorKind::PartitionsNotPositive { partitions } => {
            format!("число партиций должно быть больше 0 (получено {partitions})")
        }
        ErrorKind::InvalidConfig { name, value, problem } => {
            format!("недопустимое значение {value} для {name}: {}", config_problem(lang, problem))
        }
        ErrorKind::RecordTooLarge { size_bytes, max_message_bytes } => format!(
            "пакет записей занимает {size_bytes} байт — больше, чем разрешено ({max_message_bytes}, max.message.bytes)"
        ),
        ErrorKind::BatchLargerThanSegment { size_bytes, segment_bytes } => format!(
            "пакет записей ({size_bytes} байт) больше размера сегмента (segment.bytes = {segment_bytes})"
        ),
        ErrorKind::Corrupt { corruption: c } => corruption(lang, c),
        ErrorKind::OffsetOutOfRange { offset, log_start_offset, log_end_offset } => format!(
            "offset {offset} вне диапазона: в логе есть offset'ы от {log_start_offset} до {log_end_offset}"
        ),
        ErrorKind::UnsupportedCompression { codec } => format!("неподдерживаемый кодек сжатия {codec}"),
        ErrorKind::Storage { detail } => format!("ошибка хранилища: {detail}"),
    };
    format!("{}: {body}", e.code.name())
}
