//! Sections that are one paragraph: premises and environment, children's views.
//!
//! These paragraphs grow long (75,000 characters after a day's typing), so a keystroke here is
//! not an edit of the whole record: the box emits [`Typed`] (what it showed, at which version,
//! and what it shows now) for the host to write as one splice, and keeps its own state between
//! the page's renders. The page is not re-rendered on the keystroke's frame; when it is, after
//! the frame, the box takes the new read only if it is not older than its own typing.

use hearth_shared::model::Inspection;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use super::form::TextArea;
use crate::engine::text;
use crate::pages::Version;

/// One of the record's root-level paragraphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongText {
    /// `premises`.
    Premises,
    /// `childrenViews`.
    ChildrenViews,
}

impl LongText {
    /// The field's name in the document.
    pub fn prop(self) -> &'static str {
        match self {
            LongText::Premises => "premises",
            LongText::ChildrenViews => "childrenViews",
        }
    }

    /// `record` with this field set to `value` (to check a keystroke as the server will).
    pub fn set(self, record: &mut Inspection, value: &str) {
        let field = match self {
            LongText::Premises => &mut record.premises,
            LongText::ChildrenViews => &mut record.children_views,
        };
        *field = autosurgeon::Text::with_value(value);
    }
}

/// A keystroke in a [`LongText`]: the box showed `old` at `from` and now shows `new`.
#[derive(Clone, Debug, PartialEq)]
pub struct Typed {
    /// Which paragraph.
    pub field: LongText,
    /// The document version the box's text was at before the keystroke.
    pub from: Version,
    /// The text then.
    pub old: AttrValue,
    /// The text now.
    pub new: AttrValue,
}

/// Properties of [`Narrative`].
#[derive(Properties, PartialEq)]
pub struct NarrativeProps {
    /// The textarea's id (`premises`, `children-views`).
    pub id: AttrValue,
    /// The section heading, also the textarea's label.
    pub heading: AttrValue,
    /// What to write about.
    pub hint: AttrValue,
    /// Which paragraph this is.
    pub field: LongText,
    /// The text as the page last read it.
    pub value: AttrValue,
    /// The version the page read it at.
    pub version: Version,
    /// Writes a keystroke; returns the version the box's text is then at (`None`: not
    /// written, e.g. refused, and the page says why).
    pub on_type: Callback<Typed, Option<Version>>,
}

/// What the box shows and where its next keystroke starts from.
struct Base {
    /// The version and text the next keystroke is a splice from.
    version: Version,
    text: AttrValue,
    /// The page's read last taken.
    read: Version,
    /// The versions this box's keystrokes produced since: a read at one of them but the
    /// last is older than the box (the page was read before the latest keystroke).
    own: Vec<Version>,
}

/// A one-question section: the heading is the textarea's label (GOV.UK "question page").
#[function_component]
pub fn Narrative(props: &NarrativeProps) -> Html {
    let area = use_node_ref();
    let state = use_mut_ref(|| Base {
        version: props.version.clone(),
        text: props.value.clone(),
        read: props.version.clone(),
        own: Vec::new(),
    });
    // Where to put the caret after another device's words replaced the text being typed in.
    let caret = use_mut_ref(|| None::<(u32, u32)>);
    {
        let (area, caret) = (area.clone(), caret.clone());
        use_effect(move || {
            if let (Some((start, end)), Some(area)) = (
                caret.borrow_mut().take(),
                area.cast::<HtmlTextAreaElement>(),
            ) {
                let _ = area.set_selection_range(start, end);
            }
        });
    }
    {
        let mut state = state.borrow_mut();
        let stale = state.own.contains(&props.version) && state.own.last() != Some(&props.version);
        if state.read != props.version && !stale {
            if props.value != state.text
                && let Some(area) = area.cast::<HtmlTextAreaElement>()
                && is_focused(&area)
            {
                let map =
                    |at: Option<u32>| text::map_caret(&state.text, &props.value, at.unwrap_or(0));
                *caret.borrow_mut() = Some((
                    map(area.selection_start().ok().flatten()),
                    map(area.selection_end().ok().flatten()),
                ));
            }
            *state = Base {
                version: props.version.clone(),
                text: props.value.clone(),
                read: props.version.clone(),
                own: Vec::new(),
            };
        }
    }
    let on_input = {
        let (state, on_type, field) = (state.clone(), props.on_type.clone(), props.field);
        Callback::from(move |value: String| {
            let new = AttrValue::from(value);
            let (from, old) = {
                let s = state.borrow();
                (s.version.clone(), s.text.clone())
            };
            let typed = Typed {
                field,
                from,
                old,
                new: new.clone(),
            };
            // Not written: the base stays, so the next keystroke's splice carries this one too.
            if let Some(version) = on_type.emit(typed) {
                let mut s = state.borrow_mut();
                s.version = version.clone();
                s.text = new;
                s.own.push(version);
            }
        })
    };
    let value = state.borrow().text.clone();
    html! {
        <TextArea id={props.id.clone()} label={props.heading.clone()} heading=true
            label_class={classes!("govuk-label--l")} hint={props.hint.clone()}
            value={value} on_input={on_input} rows={10} node_ref={area} />
    }
}

fn is_focused(element: &HtmlTextAreaElement) -> bool {
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    active.is_some_and(|a| a == ***element)
}
