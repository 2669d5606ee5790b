//! The reference server's catalogue: twenty-one statuses as an Interaction
//! Center ships them, quirks included (irregular casing such as
//! `Do Not disturb`, icons as paths relative to the server root, each a
//! path the server serves an image at: [`crate::icons`]); or a catalogue
//! it is given ([`instantiate`]), with placeholders for what changes from
//! session to session.

use serde_json::{Value, json};

/// The fourteen documented properties of a status message, in documentation order.
pub const PROPERTIES: [&str; 14] = [
    "statusId",
    "messageText",
    "iconUri",
    "groupTag",
    "canHaveDate",
    "canHaveTime",
    "isDoNotDisturbStatus",
    "isSelectableStatus",
    "isPersistentStatus",
    "isForwardStatus",
    "isAfterCallWorkStatus",
    "isAcdStatus",
    "isAllowFollowUpStatus",
    "systemId",
];

// statusId, groupTag, systemId, flags: date time dnd selectable persistent forward acw acd followup
type Row = (&'static str, &'static str, &'static str, [bool; 9]);

const F: bool = false;
const T: bool = true;

const ROWS: &[Row] = &[
    ("Available", "Available", "1", [F, F, F, T, F, F, F, T, T]),
    (
        "Available, Follow-up",
        "Available",
        "2",
        [F, F, F, T, F, F, F, T, T],
    ),
    (
        "Available, Forward",
        "Available",
        "3",
        [F, F, F, T, F, T, F, F, F],
    ),
    (
        "Available, No ACD",
        "Available",
        "4",
        [F, F, F, T, F, F, F, F, F],
    ),
    ("Away from desk", "Away", "5", [F, T, F, T, F, F, F, F, F]),
    ("At Lunch", "Break", "6", [F, T, F, T, F, F, F, F, F]),
    (
        "At a Training Session",
        "Training",
        "7",
        [T, T, F, T, F, F, F, F, F],
    ),
    ("At Break", "Break", "8", [F, T, F, T, F, F, F, F, F]),
    (
        "Do Not disturb",
        "Do Not Disturb",
        "9",
        [F, T, T, T, F, F, F, F, F],
    ),
    ("Follow Up", "Follow Up", "10", [F, F, F, F, F, F, T, F, F]),
    ("Gone Home", "Gone Home", "11", [T, T, F, T, T, F, F, F, F]),
    ("In a Meeting", "Meeting", "12", [F, T, F, T, F, F, F, F, F]),
    ("On Vacation", "Vacation", "13", [T, F, F, T, T, F, F, F, F]),
    (
        "Out of the Office",
        "Out of Office",
        "14",
        [T, T, F, T, T, F, F, F, F],
    ),
    (
        "Out of Town",
        "Out of Office",
        "15",
        [T, F, F, T, T, F, F, F, F],
    ),
    (
        "Working at Home",
        "Available",
        "16",
        [F, F, F, T, F, F, F, T, T],
    ),
    (
        "ACD - Agent Not Answering",
        "ACD",
        "17",
        [F, F, F, F, F, F, F, F, F],
    ),
    (
        "Awaiting Callback",
        "Away",
        "18",
        [F, T, F, T, F, F, F, F, F],
    ),
    ("Campaign Call", "Dialer", "19", [F, F, F, F, F, F, F, F, F]),
    (
        "Project Work",
        "Project",
        "120",
        [F, T, F, T, F, F, F, F, F],
    ),
    ("Sick", "Out of Office", "1001", [T, F, F, T, T, F, F, F, F]),
];

/// The number of statuses of the shipped catalogue.
pub const SHIPPED: usize = ROWS.len();

/// The catalogue for session `session_id`: the JSON a conformant server sends.
pub fn catalogue(session_id: &str) -> Value {
    sized(session_id, SHIPPED)
}

/// A conformant catalogue of `n` messages: the shipped ones first, then
/// site-defined statuses modelled on them (unique statusIds and systemIds,
/// so each has an icon of its own), about 500 bytes each. For benchmarks
/// and load tests.
pub fn sized(session_id: &str, n: usize) -> Value {
    sized_with_icons(session_id, n, "")
}

/// [`sized`], each `iconUri` starting with `icons` (a path prefix, or an
/// origin and prefix: `http://host:port/gw/cic`) before `/icws/…`.
pub fn sized_with_icons(session_id: &str, n: usize, icons: &str) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let (id, group, sys, f) = ROWS[i % ROWS.len()];
            if i < ROWS.len() {
                message(icons, session_id, id, id, group, sys, f)
            } else {
                let custom = format!("{id} ({i})");
                let text = format!("{id}: site status number {i}, defined by an administrator");
                message(
                    icons,
                    session_id,
                    &custom,
                    &text,
                    group,
                    &(2000 + i).to_string(),
                    f,
                )
            }
        })
        .collect();
    json!({ "__type": "urn:inin.com:status:statusMessages", "statusMessageList": list })
}

/// The `iconUri` of status `id`: where [`crate::icons`] serves its image.
pub fn icon_uri(icons: &str, session_id: &str, id: &str) -> String {
    format!(
        "{icons}/icws/{session_id}/status/{}/{}",
        crate::icons::ICONS_RESOURCE,
        encode_segment(id)
    )
}

fn message(
    icons: &str,
    session_id: &str,
    id: &str,
    text: &str,
    group: &str,
    sys: &str,
    f: [bool; 9],
) -> Value {
    json!({
        "__type": "urn:inin.com:status:statusMessage",
        "statusId": id,
        "messageText": text,
        "iconUri": icon_uri(icons, session_id, id),
        "groupTag": group,
        "canHaveDate": f[0],
        "canHaveTime": f[1],
        "isDoNotDisturbStatus": f[2],
        "isSelectableStatus": f[3],
        "isPersistentStatus": f[4],
        "isForwardStatus": f[5],
        "isAfterCallWorkStatus": f[6],
        "isAcdStatus": f[7],
        "isAllowFollowUpStatus": f[8],
        "systemId": sys,
    })
}

/// Stands for the requesting session's id in a given catalogue's strings
/// (as in a catalogue snapshot: `/icws/{sessionId}/status/…`).
pub const SESSION_PLACEHOLDER: &str = "{sessionId}";
/// Stands for the origin the request was sent to (`http://host:port`).
pub const ORIGIN_PLACEHOLDER: &str = "{origin}";
/// The longest origin filled in for [`ORIGIN_PLACEHOLDER`]: a longer
/// `Host` (a host name has at most 253 bytes) gives the empty origin, so
/// a client's header cannot grow the body past what a size check of the
/// catalogue assumed.
pub const MAX_ORIGIN_BYTES: usize = 300;

/// A given catalogue as served to session `session_id`, requested at
/// `origin` (`http://host:port`, or empty when unknown): every
/// [`SESSION_PLACEHOLDER`] and [`ORIGIN_PLACEHOLDER`] in its string values
/// is replaced; everything else is as given.
pub fn instantiate(given: &Value, session_id: &str, origin: &str) -> Value {
    fn fill(v: &mut Value, session_id: &str, origin: &str) {
        match v {
            Value::String(s) if s.contains('{') => {
                *s = s
                    .replace(SESSION_PLACEHOLDER, session_id)
                    .replace(ORIGIN_PLACEHOLDER, origin);
            }
            Value::Array(a) => a.iter_mut().for_each(|x| fill(x, session_id, origin)),
            Value::Object(o) => o.values_mut().for_each(|x| fill(x, session_id, origin)),
            _ => {}
        }
    }
    let mut out = given.clone();
    fill(&mut out, session_id, origin);
    out
}

/// Adds a site-defined status that holds `password`'s text in its
/// `messageText` and, when the password is digits and no message has that
/// systemId yet, as its `systemId` (a digits password already used as a
/// systemId is in the catalogue already). The catalogue stays conformant:
/// statusIds and systemIds stay unique. Its `iconUri` starts with `icons`
/// (see [`sized_with_icons`]).
pub fn add_password_status(body: &mut Value, session_id: &str, password: &str, icons: &str) {
    let Some(list) = body
        .get_mut("statusMessageList")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    let used: Vec<u64> = list
        .iter()
        .filter_map(|m| m["systemId"].as_str())
        .filter_map(|s| s.parse().ok())
        .collect();
    let digits = !password.is_empty() && password.bytes().all(|b| b.is_ascii_digit());
    let sys = if digits && !list.iter().any(|m| m["systemId"] == password) {
        password.to_owned()
    } else {
        // One more than the largest, or (at u64::MAX) the first unused.
        let set: std::collections::HashSet<u64> = used.iter().copied().collect();
        used.iter()
            .max()
            .map_or(Some(1), |m| m.checked_add(1))
            .unwrap_or_else(|| (1..).find(|n| !set.contains(n)).unwrap_or(1))
            .to_string()
    };
    let text = format!("Room {password} (training)");
    list.push(message(
        icons,
        session_id,
        "Training Room",
        &text,
        "Training",
        &sys,
        [T, T, F, T, F, F, F, F, F],
    ));
}

/// Percent-encodes a path segment: letters, digits and `-._*` stay, every
/// other byte becomes `%XX` (a space too).
pub(crate) fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'*') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Removes feature `id` from a `featureInfoList`.
pub(crate) fn remove_feature(list: &mut Value, id: &str) {
    if let Some(list) = list.as_array_mut() {
        list.retain(|f| f["featureId"] != id);
    }
}

/// The features the server advertises.
pub fn features() -> Value {
    json!({ "featureInfoList": [
        { "featureId": "connection", "version": 2 },
        { "featureId": "status", "version": 3 },
        { "featureId": "messaging", "version": 2 },
    ]})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(body: &Value, key: &str) -> Vec<String> {
        body["statusMessageList"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|m| m[key].as_str().unwrap_or_default().to_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_given_catalogue_gets_the_session_and_origin() {
        let given = json!({"statusMessageList": [{
            "iconUri": "{origin}/icws/{sessionId}/status/status-message-icons/Lunch",
            "messageText": "{sessionId} {sessionId} {other}",
            "isAcdStatus": false,
        }], "{sessionId}": "keys stay"});
        let served = instantiate(&given, "4711", "http://127.0.0.1:8018");
        let m = &served["statusMessageList"][0];
        assert_eq!(
            m["iconUri"],
            "http://127.0.0.1:8018/icws/4711/status/status-message-icons/Lunch"
        );
        assert_eq!(m["messageText"], "4711 4711 {other}");
        assert_eq!(m["isAcdStatus"], false);
        assert_eq!(served["{sessionId}"], "keys stay");
        let relative = instantiate(&given, "9", "");
        assert_eq!(
            relative["statusMessageList"][0]["iconUri"],
            "/icws/9/status/status-message-icons/Lunch"
        );
    }

    #[test]
    fn the_password_status_keeps_ids_unique() {
        for pw in ["8675309", "1", "icws-demo", ""] {
            let mut body = catalogue("1");
            add_password_status(&mut body, "1", pw, "");
            let text = body.to_string();
            assert!(text.contains(&format!("Room {pw} ")), "{pw}");
            for key in ["statusId", "systemId"] {
                let mut v = ids(&body, key);
                let n = v.len();
                v.sort();
                v.dedup();
                assert_eq!(v.len(), n, "{pw}: {key} not unique");
            }
            if pw.bytes().all(|b| b.is_ascii_digit()) && !pw.is_empty() {
                assert!(ids(&body, "systemId").contains(&pw.to_owned()));
            }
        }
    }
}
