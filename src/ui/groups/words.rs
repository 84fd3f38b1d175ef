//! The coordinator's and the consumers' own words (Kafka's log lines: "Member … is
//! joining group during PreparingRebalance; client reason: …", "Resetting offset for
//! partition …"), and the controller's fencing reasons, put into the page's language.
//! English shows them as Kafka writes them; Russian matches each known line by its fixed
//! parts (`{}` marks what varies), fills the Russian line with what varied, and keeps
//! Kafka's original in the element's title. An unknown line is shown as it is.

use crate::ui::i18n::Lang;

/// (Kafka's line, its Russian): `{}` stands for what varies, in the same order.
const LINES: &[(&str, &str)] = &[
    ("Member {} is joining group during PreparingRebalance; client reason: {}", "участник {} вступает в группу во время PreparingRebalance; причина клиента: {}"),
    ("Updating metadata for member {} during CompletingRebalance; client reason: {}", "обновление метаданных участника {} во время CompletingRebalance; причина клиента: {}"),
    ("Leader {} re-joining group during Stable; client reason: {}", "лидер {} заново вступает в группу в состоянии Stable; причина клиента: {}"),
    ("Updating metadata for member {} re-joining group during Stable; client reason: {}", "участник {} заново вступает в группу в состоянии Stable (обновление метаданных); причина клиента: {}"),
    ("Adding new member {} with group instance id {}; client reason: {}", "добавлен новый участник {} с group.instance.id {}; причина клиента: {}"),
    ("Group's selectedProtocol will change because static member {} joined with change of protocol", "протокол группы сменится: статический участник {} вступил с другим протоколом"),
    ("Updating metadata for static member {}; client reason: {}", "обновление метаданных статического участника {}; причина клиента: {}"),
    ("Error {} when storing group assignment during SyncGroup", "ошибка {} при записи распределения во время SyncGroup"),
    ("the leader's assignment for generation {} is stored", "распределение лидера для поколения {} записано"),
    ("explicit `LeaveGroup` request for ({}) members.", "явный запрос LeaveGroup от участников ({})."),
    ("LeaveGroup: {}", "LeaveGroup: {}"),
    ("pending member {} did not join within its session timeout", "ожидаемый участник {} не вступил за свой session.timeout.ms"),
    ("removing member {} on heartbeat expiration (session.timeout.ms = {} ms).", "участник {} исключён: нет heartbeat дольше session.timeout.ms ({} мс)."),
    ("member {} did not send SyncGroup before the rebalance timeout", "участник {} не прислал SyncGroup до тайм-аута ребалансировки"),
    ("Removing {} on pending sync request expiration", "исключены {}: не дождались их SyncGroup"),
    ("member {} did not rejoin before the rebalance timeout ({} ms)", "участник {} не вступил заново до тайм-аута ребалансировки ({} мс)"),
    ("group {} with generation {} is now empty", "группа {} с поколением {} теперь пуста"),
    ("stabilized group {} generation {} with {} members", "группа {} стабилизирована: поколение {}, участников: {}"),
    ("Discovered group coordinator {}", "найден координатор группы {}"),
    ("Group coordinator {} is unavailable or invalid: {}; will attempt rediscovery", "координатор группы {} недоступен или неверен: {}; поиск заново"),
    ("heartbeat thread paused", "поток heartbeat остановлен"),
    ("heartbeat thread resumed", "поток heartbeat возобновлён"),
    ("topic {} now exists ({} partitions)", "топик {} появился (партиций: {})"),
    ("subscribed topic {} does not exist (UNKNOWN_TOPIC_OR_PARTITION): waiting for it to be created", "топика {} из подписки нет (UNKNOWN_TOPIC_OR_PARTITION): ждём его создания"),
    ("Setting offset for partition {} to the committed offset {}", "позиция в партиции {} — зафиксированный offset {}"),
    ("Resetting offset for partition {} to position {} ({})", "позиция в партиции {} сброшена на {} ({})"),
    ("Fetch position {} is out of range for partition {}, resetting offset", "позиция {} вне диапазона партиции {}, сброс offset'а"),
    ("started again with partition.assignment.strategy = {} ({})", "запущен заново с partition.assignment.strategy = {} ({})"),
    ("restarting with changed settings: close() first", "перезапуск с новыми настройками: сначала close()"),
    ("consumer closed", "консумер закрыт"),
    ("[client {}] consumer poll timeout has expired. {}", "[клиент {}] истёк max.poll.interval.ms: между вызовами poll() прошло больше времени, чем разрешено; консумер покидает группу. Увеличьте max.poll.interval.ms или уменьшите max.poll.records."),
    ("no heartbeat for {} ms (broker.session.timeout.ms={})", "нет heartbeat {} мс (broker.session.timeout.ms={})"),
    ("re-registered with incarnation {}", "зарегистрировался заново (incarnation {})"),
    ("initial join", "первое вступление"),
    ("group is already rebalancing", "группа уже ребалансируется"),
    ("need to revoke partitions and re-join", "нужно отдать партиции и вступить заново"),
    ("rebalance in progress during SyncGroup", "во время SyncGroup идёт ребалансировка"),
    ("OffsetCommit answered REBALANCE_IN_PROGRESS", "OffsetCommit ответил REBALANCE_IN_PROGRESS"),
    ("cached metadata has changed", "метаданные изменились"),
    ("subscription changed", "подписка изменилась"),
    ("encountered {} from {} response", "получен {} в ответе {}"),
    ("not provided", "не указана"),
];

/// The parts of `line` that `pattern`'s `{}` stand for, if it matches.
fn captures<'a>(pattern: &str, line: &'a str) -> Option<Vec<&'a str>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let mut rest = line.strip_prefix(parts[0])?;
    let mut found = Vec::new();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        let at = if last && part.is_empty() {
            rest.len()
        } else if last {
            rest.len().checked_sub(part.len()).filter(|at| rest[*at..] == **part)?
        } else {
            rest.find(part)?
        };
        found.push(&rest[..at]);
        rest = &rest[at + part.len()..];
    }
    rest.is_empty().then_some(found)
}

/// `line` in Russian (what varied translated too, when it is itself a known line).
fn russian(line: &str, depth: u8) -> Option<String> {
    LINES.iter().find_map(|(en, ru)| {
        let found = captures(en, line)?;
        let mut out = String::new();
        let mut pieces = ru.split("{}");
        out.push_str(pieces.next().unwrap_or_default());
        for (piece, value) in pieces.zip(found.iter().chain(std::iter::repeat(&""))) {
            let value = if depth == 0 {
                russian(value, 1).unwrap_or_else(|| value.to_string())
            } else {
                value.to_string()
            };
            out.push_str(&value);
            out.push_str(piece);
        }
        Some(out)
    })
}

/// A coordinator's or controller's reason in the page's language.
pub fn reason_text(l: Lang, line: &str) -> String {
    match l {
        Lang::En => line.to_string(),
        Lang::Ru => russian(line, 0).unwrap_or_else(|| line.to_string()),
    }
}

/// A consumer's note in the page's language.
pub fn note_text(l: Lang, line: &str) -> String {
    reason_text(l, line)
}
