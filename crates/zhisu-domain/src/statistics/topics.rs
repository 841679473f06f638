//! What consumers' feedback is about (P6.7 market research, issue 18.2):
//! the topics of `data/feedback_topics.toml`, each with its keywords, and
//! a message classified under the first topic one of whose keywords it
//! contains — once, when the feedback is received (the rollups keep the
//! count per topic and day).

use std::sync::OnceLock;

use serde::Deserialize;

const SOURCE: &str = include_str!("../../data/feedback_topics.toml");

/// The topic of a message with no keyword of any other.
pub const OTHER: &str = "other";

/// One topic as the file defines it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub keywords: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    version: String,
    topic: Vec<Topic>,
}

/// The file read and checked: IDs unique and lower-case, every topic but
/// the last ([`OTHER`]) with keywords, no keyword blank.
fn read(source: &str) -> Result<Vec<Topic>, String> {
    let file: File = toml::from_str(source).map_err(|e| e.to_string())?;
    let topics = file.topic;
    for (i, t) in topics.iter().enumerate() {
        if t.id.is_empty() || !t.id.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(format!(
                "topic ID “{}”: lower-case letters and _ only",
                t.id
            ));
        }
        if topics[..i].iter().any(|o| o.id == t.id) {
            return Err(format!("topic {} is defined twice", t.id));
        }
        if t.keywords.iter().any(|k| k.trim().is_empty()) {
            return Err(format!("topic {} has a blank keyword", t.id));
        }
        let last = i + 1 == topics.len();
        match (last, t.id == OTHER, t.keywords.is_empty()) {
            (true, true, true) | (false, false, false) => {}
            (true, _, _) => return Err(format!("the last topic is {OTHER}, with no keywords")),
            (false, _, _) => {
                return Err(format!(
                    "topic {} needs keywords and comes before {OTHER}",
                    t.id
                ))
            }
        }
    }
    if topics.is_empty() {
        return Err("no topics".into());
    }
    Ok(topics)
}

/// The topics, in their order of precedence.
pub fn topics() -> &'static [Topic] {
    static TOPICS: OnceLock<Vec<Topic>> = OnceLock::new();
    TOPICS.get_or_init(|| read(SOURCE).expect("the topics' test checks the file reads"))
}

/// The topic of a feedback message.
pub fn classify(message: &str) -> &'static str {
    topics()
        .iter()
        .find(|t| t.keywords.iter().any(|k| message.contains(k.as_str())))
        .map(|t| t.id.as_str())
        .unwrap_or(OTHER)
}

/// A topic's Chinese name; feedback received before topics were kept has
/// none ("").
pub fn label_zh(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("未分类（话题统计之前收到）");
    }
    topics().iter().find(|t| t.id == id).map(|t| t.zh.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_topics_file_reads_and_messages_find_their_topic() {
        assert!(read(SOURCE).is_ok(), "{:?}", read(SOURCE).err());
        assert_eq!(classify("点火后火焰发黄"), "quality");
        assert_eq!(classify("包装破损"), "labelling");
        // Safety comes first: a leak that also broke is a hazard.
        assert_eq!(classify("阀门坏了，有漏气的味道"), "safety");
        assert_eq!(classify("这是正品吗？扫码查不到"), "authenticity");
        assert_eq!(classify("点火时偶尔有爆燃声，是否正常？"), "safety");
        assert_eq!(classify("谢谢"), OTHER);
        assert_eq!(label_zh("quality"), Some("质量问题"));
        assert_eq!(label_zh(""), Some("未分类（话题统计之前收到）"));
        assert_eq!(label_zh("nope"), None);
    }

    #[test]
    fn a_wrong_topics_file_is_refused() {
        let file = |body: &str| format!("version = \"x\"\n{body}");
        let topic = |id: &str, keywords: &str| {
            format!("[[topic]]\nid = \"{id}\"\nzh = \"z\"\nen = \"e\"\nkeywords = [{keywords}]\n")
        };
        let ok = file(&(topic("a", "\"甲\"") + &topic("other", "")));
        assert!(read(&ok).is_ok());
        let twice = file(&(topic("a", "\"甲\"") + &topic("a", "\"乙\"") + &topic("other", "")));
        assert!(read(&twice).unwrap_err().contains("twice"));
        let no_other = file(&topic("a", "\"甲\""));
        assert!(read(&no_other).unwrap_err().contains("last topic"));
        let empty = file(&(topic("a", "") + &topic("other", "")));
        assert!(read(&empty).unwrap_err().contains("needs keywords"));
        let blank = file(&(topic("a", "\" \"") + &topic("other", "")));
        assert!(read(&blank).unwrap_err().contains("blank"));
        let upper = file(&(topic("A", "\"甲\"") + &topic("other", "")));
        assert!(read(&upper).unwrap_err().contains("lower-case"));
    }
}
