//! 先审后发 (review before publish) as a pure state machine.
//!
//! Each item has versions. A version goes 草稿 Draft → 待审核 PendingReview →
//! 已发布 Published (or 定时发布 Scheduled until its time comes), or is
//! 退回 Returned with a reason and edited back into a Draft. The live version
//! can be 已撤回 Withdrawn. Editing a published item opens a new version that
//! is reviewed again while the published one stays live; when the new one is
//! published the old one becomes 已替代 Superseded.
//!
//! Four eyes: nobody who edited a version may review it. Time is always
//! passed in (`now`); nothing here reads a clock. Every transition returns
//! [`Event`]s for the audit log.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A staff user's id (non-empty, trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

/// An empty user id.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("用户标识不能为空")]
pub struct EmptyUserId;

impl UserId {
    /// Parses a user id.
    pub fn parse(input: &str) -> Result<Self, EmptyUserId> {
        let t = input.trim();
        if t.is_empty() {
            Err(EmptyUserId)
        } else {
            Ok(Self(t.to_owned()))
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UserId {
    type Error = EmptyUserId;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UserId> for String {
    fn from(u: UserId) -> Self {
        u.0
    }
}

/// Who caused a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    User(UserId),
    /// The scheduler publishing a scheduled version when it falls due.
    Scheduler,
}

/// The state of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    PendingReview,
    Returned,
    Scheduled,
    Published,
    Withdrawn,
    Superseded,
}

impl State {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::PendingReview => "待审核",
            Self::Returned => "退回",
            Self::Scheduled => "定时发布",
            Self::Published => "已发布",
            Self::Withdrawn => "已撤回",
            Self::Superseded => "已替代",
        }
    }

    /// Whether the version is still being worked on (not yet public or done).
    pub fn is_working(self) -> bool {
        matches!(
            self,
            Self::Draft | Self::PendingReview | Self::Returned | Self::Scheduled
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What someone tried to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Edit,
    Submit,
    Approve,
    Return,
    Recall,
    Withdraw,
}

impl Action {
    /// The label users see.
    pub fn label(self) -> &'static str {
        match self {
            Self::Edit => "修改",
            Self::Submit => "提交审核",
            Self::Approve => "审核通过",
            Self::Return => "退回",
            Self::Recall => "收回",
            Self::Withdraw => "撤回",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("当前状态为“{state}”，不能{action}")]
    NotAllowed { action: Action, state: State },
    #[error("没有可{0}的版本")]
    NoVersion(Action),
    #[error("审核人不能是本版本的作者或修改人（先审后发须由他人审核）")]
    SelfReview,
    #[error("{0}须填写理由")]
    ReasonRequired(Action),
    #[error("版本记录不一致：{0}")]
    Inconsistent(String),
}

/// One version of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1, 2, …
    pub number: u32,
    pub state: State,
    /// Everyone who edited this version; the first editor is the author.
    pub editors: BTreeSet<UserId>,
    pub author: UserId,
    pub reviewer: Option<UserId>,
    /// The reason of the last return or of the withdrawal.
    pub reason: Option<String>,
    pub publish_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

/// An audit-log entry for one transition of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub version: u32,
    pub actor: Actor,
    /// `None` when the version was created.
    pub from: Option<State>,
    pub to: State,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// The versions of one item and their states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Version>", into = "Vec<Version>")]
pub struct Workflow {
    versions: Vec<Version>,
}

fn reason_text(action: Action, reason: &str) -> Result<String, TransitionError> {
    let r = reason.trim();
    if r.is_empty() {
        Err(TransitionError::ReasonRequired(action))
    } else {
        Ok(r.to_owned())
    }
}

impl Workflow {
    /// A new item: version 1 as a draft by `author`.
    pub fn create(author: UserId, now: DateTime<Utc>) -> (Self, Event) {
        let event = Event {
            version: 1,
            actor: Actor::User(author.clone()),
            from: None,
            to: State::Draft,
            reason: None,
            at: now,
        };
        let version = Version {
            number: 1,
            state: State::Draft,
            editors: BTreeSet::from([author.clone()]),
            author,
            reviewer: None,
            reason: None,
            publish_at: None,
            published_at: None,
        };
        (
            Self {
                versions: vec![version],
            },
            event,
        )
    }

    /// Rebuilds a workflow from stored versions, checking its invariants:
    /// numbered 1…n, at most one live version, only the last one working.
    pub fn from_versions(versions: Vec<Version>) -> Result<Self, TransitionError> {
        if versions.is_empty() {
            return Err(TransitionError::Inconsistent("没有版本".into()));
        }
        for (i, v) in versions.iter().enumerate() {
            if usize::try_from(v.number).ok() != Some(i + 1) {
                return Err(TransitionError::Inconsistent(format!(
                    "第 {} 个版本编号为 {}",
                    i + 1,
                    v.number
                )));
            }
            if v.state.is_working() && i + 1 != versions.len() {
                return Err(TransitionError::Inconsistent(format!(
                    "版本 {} 处于“{}”但不是最新版本",
                    v.number, v.state
                )));
            }
        }
        if versions
            .iter()
            .filter(|v| v.state == State::Published)
            .count()
            > 1
        {
            return Err(TransitionError::Inconsistent("有多个已发布版本".into()));
        }
        Ok(Self { versions })
    }

    /// All versions, oldest first.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The version the public sees, if any.
    pub fn live(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.state == State::Published)
    }

    /// The version being worked on, if any.
    pub fn working(&self) -> Option<&Version> {
        self.versions.last().filter(|v| v.state.is_working())
    }

    /// When the scheduled version falls due, if one is scheduled.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.working()
            .filter(|v| v.state == State::Scheduled)
            .and_then(|v| v.publish_at)
    }

    fn working_mut(&mut self, action: Action) -> Result<&mut Version, TransitionError> {
        match self.versions.last_mut() {
            Some(v) if v.state.is_working() => Ok(v),
            Some(v) => Err(TransitionError::NotAllowed {
                action,
                state: v.state,
            }),
            None => Err(TransitionError::NoVersion(action)),
        }
    }

    /// Records an edit by `actor`. A returned version becomes a draft again;
    /// a published or withdrawn item gets a new draft version (the live one
    /// stays). Editing a draft changes no state and returns no event.
    pub fn edit(
        &mut self,
        actor: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Option<Event>, TransitionError> {
        let last = self
            .versions
            .last_mut()
            .ok_or(TransitionError::NoVersion(Action::Edit))?;
        match last.state {
            State::Draft => {
                last.editors.insert(actor.clone());
                Ok(None)
            }
            State::Returned => {
                last.editors.insert(actor.clone());
                last.state = State::Draft;
                Ok(Some(Event {
                    version: last.number,
                    actor: Actor::User(actor.clone()),
                    from: Some(State::Returned),
                    to: State::Draft,
                    reason: None,
                    at: now,
                }))
            }
            State::Published | State::Withdrawn | State::Superseded => {
                let number = last.number + 1;
                self.versions.push(Version {
                    number,
                    state: State::Draft,
                    editors: BTreeSet::from([actor.clone()]),
                    author: actor.clone(),
                    reviewer: None,
                    reason: None,
                    publish_at: None,
                    published_at: None,
                });
                Ok(Some(Event {
                    version: number,
                    actor: Actor::User(actor.clone()),
                    from: None,
                    to: State::Draft,
                    reason: None,
                    at: now,
                }))
            }
            state @ (State::PendingReview | State::Scheduled) => Err(TransitionError::NotAllowed {
                action: Action::Edit,
                state,
            }),
        }
    }

    /// Submits the draft for review.
    pub fn submit(&mut self, actor: &UserId, now: DateTime<Utc>) -> Result<Event, TransitionError> {
        let v = self.working_mut(Action::Submit)?;
        if v.state != State::Draft {
            return Err(TransitionError::NotAllowed {
                action: Action::Submit,
                state: v.state,
            });
        }
        v.state = State::PendingReview;
        Ok(Event {
            version: v.number,
            actor: Actor::User(actor.clone()),
            from: Some(State::Draft),
            to: State::PendingReview,
            reason: None,
            at: now,
        })
    }

    /// The reviewer approves the version under review. With `publish_at`
    /// later than `now` it is scheduled, otherwise published at once (and a
    /// previously live version is superseded).
    pub fn approve(
        &mut self,
        reviewer: &UserId,
        publish_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Event>, TransitionError> {
        let v = self.working_mut(Action::Approve)?;
        if v.state != State::PendingReview {
            return Err(TransitionError::NotAllowed {
                action: Action::Approve,
                state: v.state,
            });
        }
        if v.editors.contains(reviewer) {
            return Err(TransitionError::SelfReview);
        }
        v.reviewer = Some(reviewer.clone());
        v.reason = None;
        match publish_at {
            Some(at) if at > now => {
                v.state = State::Scheduled;
                v.publish_at = Some(at);
                Ok(vec![Event {
                    version: v.number,
                    actor: Actor::User(reviewer.clone()),
                    from: Some(State::PendingReview),
                    to: State::Scheduled,
                    reason: None,
                    at: now,
                }])
            }
            _ => Ok(self.publish_working(Actor::User(reviewer.clone()), now)),
        }
    }

    /// Publishes the working version: supersedes the live one, if any.
    fn publish_working(&mut self, actor: Actor, now: DateTime<Utc>) -> Vec<Event> {
        let mut events = Vec::new();
        let Some(last_index) = self.versions.len().checked_sub(1) else {
            return events;
        };
        for v in &mut self.versions[..last_index] {
            if v.state == State::Published {
                v.state = State::Superseded;
                events.push(Event {
                    version: v.number,
                    actor: actor.clone(),
                    from: Some(State::Published),
                    to: State::Superseded,
                    reason: None,
                    at: now,
                });
            }
        }
        let v = &mut self.versions[last_index];
        let from = v.state;
        v.state = State::Published;
        v.published_at = Some(now);
        events.insert(
            0,
            Event {
                version: v.number,
                actor,
                from: Some(from),
                to: State::Published,
                reason: None,
                at: now,
            },
        );
        events
    }

    /// The reviewer returns the version under review to its author.
    pub fn return_to_author(
        &mut self,
        reviewer: &UserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Event, TransitionError> {
        let reason = reason_text(Action::Return, reason)?;
        let v = self.working_mut(Action::Return)?;
        if v.state != State::PendingReview {
            return Err(TransitionError::NotAllowed {
                action: Action::Return,
                state: v.state,
            });
        }
        if v.editors.contains(reviewer) {
            return Err(TransitionError::SelfReview);
        }
        v.state = State::Returned;
        v.reviewer = Some(reviewer.clone());
        v.reason = Some(reason.clone());
        Ok(Event {
            version: v.number,
            actor: Actor::User(reviewer.clone()),
            from: Some(State::PendingReview),
            to: State::Returned,
            reason: Some(reason),
            at: now,
        })
    }

    /// Takes a version under review or scheduled back into a draft.
    pub fn recall(&mut self, actor: &UserId, now: DateTime<Utc>) -> Result<Event, TransitionError> {
        let v = self.working_mut(Action::Recall)?;
        let from = v.state;
        if !matches!(from, State::PendingReview | State::Scheduled) {
            return Err(TransitionError::NotAllowed {
                action: Action::Recall,
                state: from,
            });
        }
        v.state = State::Draft;
        v.publish_at = None;
        v.reviewer = None;
        Ok(Event {
            version: v.number,
            actor: Actor::User(actor.clone()),
            from: Some(from),
            to: State::Draft,
            reason: None,
            at: now,
        })
    }

    /// Publishes a scheduled version whose time has come. Returns no events
    /// when nothing is due.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Event> {
        match self.next_due() {
            Some(due) if due <= now => self.publish_working(Actor::Scheduler, now),
            _ => Vec::new(),
        }
    }

    /// Withdraws the live version from public view.
    pub fn withdraw(
        &mut self,
        actor: &UserId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Event, TransitionError> {
        let reason = reason_text(Action::Withdraw, reason)?;
        let v = self
            .versions
            .iter_mut()
            .find(|v| v.state == State::Published)
            .ok_or(TransitionError::NoVersion(Action::Withdraw))?;
        v.state = State::Withdrawn;
        v.reason = Some(reason.clone());
        Ok(Event {
            version: v.number,
            actor: Actor::User(actor.clone()),
            from: Some(State::Published),
            to: State::Withdrawn,
            reason: Some(reason),
            at: now,
        })
    }
}

impl TryFrom<Vec<Version>> for Workflow {
    type Error = TransitionError;
    fn try_from(v: Vec<Version>) -> Result<Self, Self::Error> {
        Self::from_versions(v)
    }
}

impl From<Workflow> for Vec<Version> {
    fn from(w: Workflow) -> Self {
        w.versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 1, h, 0, 0).unwrap()
    }

    fn user(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    fn published() -> Workflow {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.submit(&user("zhang"), t(2)).unwrap();
        w.approve(&user("li"), None, t(3)).unwrap();
        w
    }

    #[test]
    fn draft_review_publish() {
        let (mut w, created) = Workflow::create(user("zhang"), t(1));
        assert_eq!((created.from, created.to), (None, State::Draft));
        let e = w.submit(&user("zhang"), t(2)).unwrap();
        assert_eq!((e.from, e.to), (Some(State::Draft), State::PendingReview));
        let events = w.approve(&user("li"), None, t(3)).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor, Actor::User(user("li")));
        assert_eq!(events[0].to, State::Published);
        let live = w.live().unwrap();
        assert_eq!(live.published_at, Some(t(3)));
        assert_eq!(live.reviewer, Some(user("li")));
        assert!(w.working().is_none());
    }

    #[test]
    fn author_cannot_review() {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.edit(&user("wang"), t(1)).unwrap();
        w.submit(&user("zhang"), t(2)).unwrap();
        for who in ["zhang", "wang"] {
            let err = w.approve(&user(who), None, t(3)).unwrap_err();
            assert_eq!(err, TransitionError::SelfReview);
            assert!(err.to_string().contains("审核人不能是"));
            assert_eq!(
                w.return_to_author(&user(who), "不行", t(3)),
                Err(TransitionError::SelfReview)
            );
        }
        assert!(w.live().is_none());
    }

    #[test]
    fn return_needs_a_reason_and_goes_back_to_draft() {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.submit(&user("zhang"), t(2)).unwrap();
        assert_eq!(
            w.return_to_author(&user("li"), "  ", t(3)),
            Err(TransitionError::ReasonRequired(Action::Return))
        );
        let e = w
            .return_to_author(&user("li"), "文号格式有误", t(3))
            .unwrap();
        assert_eq!(e.reason.as_deref(), Some("文号格式有误"));
        assert_eq!(e.to, State::Returned);
        // A returned version cannot be resubmitted without editing.
        let err = w.submit(&user("zhang"), t(4)).unwrap_err();
        assert_eq!(err.to_string(), "当前状态为“退回”，不能提交审核");
        let e = w.edit(&user("zhang"), t(4)).unwrap().unwrap();
        assert_eq!((e.from, e.to), (Some(State::Returned), State::Draft));
        w.submit(&user("zhang"), t(5)).unwrap();
        w.approve(&user("li"), None, t(6)).unwrap();
        assert_eq!(w.live().map(|v| v.number), Some(1));
    }

    #[test]
    fn scheduled_publication_waits_for_now() {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.submit(&user("zhang"), t(2)).unwrap();
        let events = w.approve(&user("li"), Some(t(10)), t(3)).unwrap();
        assert_eq!(events[0].to, State::Scheduled);
        assert_eq!(w.next_due(), Some(t(10)));
        assert!(w.tick(t(9)).is_empty());
        assert!(w.live().is_none());
        let events = w.tick(t(10));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].actor, Actor::Scheduler);
        assert_eq!(
            (events[0].from, events[0].to),
            (Some(State::Scheduled), State::Published)
        );
        assert_eq!(w.live().and_then(|v| v.published_at), Some(t(10)));
        assert!(w.tick(t(11)).is_empty());
    }

    #[test]
    fn publish_at_in_the_past_publishes_at_once() {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.submit(&user("zhang"), t(2)).unwrap();
        let events = w.approve(&user("li"), Some(t(1)), t(3)).unwrap();
        assert_eq!(events[0].to, State::Published);
    }

    #[test]
    fn editing_published_item_keeps_live_version() {
        let mut w = published();
        let e = w.edit(&user("wang"), t(4)).unwrap().unwrap();
        assert_eq!((e.version, e.from, e.to), (2, None, State::Draft));
        assert_eq!(w.live().map(|v| v.number), Some(1));
        assert_eq!(w.working().map(|v| v.number), Some(2));
        w.submit(&user("wang"), t(5)).unwrap();
        assert_eq!(w.live().map(|v| v.number), Some(1));
        // The first version's author may review the second (not an editor of it).
        let events = w.approve(&user("zhang"), None, t(6)).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].version, events[0].to), (2, State::Published));
        assert_eq!((events[1].version, events[1].to), (1, State::Superseded));
        assert_eq!(w.live().map(|v| v.number), Some(2));
        assert_eq!(w.versions()[0].state, State::Superseded);
    }

    #[test]
    fn withdraw_live_version() {
        let mut w = published();
        assert_eq!(
            w.withdraw(&user("li"), "", t(4)),
            Err(TransitionError::ReasonRequired(Action::Withdraw))
        );
        let e = w.withdraw(&user("li"), "信息有误", t(4)).unwrap();
        assert_eq!((e.from, e.to), (Some(State::Published), State::Withdrawn));
        assert!(w.live().is_none());
        assert_eq!(
            w.withdraw(&user("li"), "再撤", t(5)),
            Err(TransitionError::NoVersion(Action::Withdraw))
        );
        // A withdrawn item can be reworked as a new version.
        let e = w.edit(&user("zhang"), t(6)).unwrap().unwrap();
        assert_eq!(e.version, 2);
    }

    #[test]
    fn no_edit_while_under_review_and_recall() {
        let (mut w, _) = Workflow::create(user("zhang"), t(1));
        w.submit(&user("zhang"), t(2)).unwrap();
        assert_eq!(
            w.edit(&user("zhang"), t(3)),
            Err(TransitionError::NotAllowed {
                action: Action::Edit,
                state: State::PendingReview
            })
        );
        let e = w.recall(&user("zhang"), t(3)).unwrap();
        assert_eq!(e.to, State::Draft);
        assert!(w.recall(&user("zhang"), t(3)).is_err());
        assert!(matches!(
            w.approve(&user("li"), None, t(4)),
            Err(TransitionError::NotAllowed { .. })
        ));
    }

    #[test]
    fn serde_round_trip_checks_invariants() {
        let mut w = published();
        w.edit(&user("wang"), t(4)).unwrap();
        let json = serde_json::to_string(&w).unwrap();
        let back: Workflow = serde_json::from_str(&json).unwrap();
        assert_eq!(back, w);
        let mut versions: Vec<Version> = w.into();
        versions[0].state = State::Draft;
        assert!(matches!(
            Workflow::from_versions(versions),
            Err(TransitionError::Inconsistent(_))
        ));
    }
}
