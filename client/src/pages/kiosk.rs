//! Kiosk mode: a young person answers a consultation on a shared tablet, one question per screen.
//!
//! The flow is a plain state machine, [`KioskFlow`]: actions in, at most one [`Effect`] out
//! (send this response, leave kiosk mode), unit-tested without a browser. The [`Kiosk`]
//! component only draws the current screen and carries out the effects.
//!
//! Privacy on a shared device is the point of the design: the answers live only in the flow
//! until they are sent, and sending (or walking away, or leaving kiosk mode) wipes them, so the
//! next young person can never page back to them.

mod flow;

use std::time::Duration;

use hearth_shared::model::{Consultation, ConsultationResponse, QuestionType, WorkflowState};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

pub use flow::{Action, Effect, FACES, KioskFlow, Reply, Screen, Session, YES_NO_NOT_SURE};

/// How long the thank-you screen stays before the tablet is ready for the next young person.
const THANK_YOU_FOR: Duration = Duration::from_secs(15);
/// After this long with nothing touched, half-finished answers are wiped (someone walked away).
const IDLE_AFTER: Duration = Duration::from_secs(180);

/// Properties of [`Kiosk`].
#[derive(Properties, PartialEq)]
pub struct KioskProps {
    /// The consultation to answer (must be open to take answers).
    pub consultation: Consultation,
    /// The consultation's document id (written to each response's `consultationId`).
    pub consultation_id: String,
    /// The kiosk's young-person account id (each response's `createdBy`).
    pub young_person_id: String,
    /// Called once per young person with their submitted response, to store and sync. The
    /// kiosk keeps no copy.
    pub on_submit: Callback<ConsultationResponse>,
    /// Called when a worker has entered the right PIN to leave kiosk mode.
    pub on_exit: Callback<()>,
    /// Checks a PIN typed by a worker (e.g. against a hash stored for this device); the kiosk
    /// never sees the real PIN.
    pub pin_ok: Callback<String, bool>,
}

/// The time now, unix milliseconds (the browser's clock).
fn now_ms() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Kiosk mode for one consultation. See the module docs.
pub struct Kiosk {
    flow: KioskFlow,
    /// The current screen's main heading, focused whenever the screen changes so a screen
    /// reader reads the new question.
    heading: NodeRef,
    /// The screen last drawn (and whether the PIN form was up), to notice a change.
    drawn: (Screen, bool),
}

/// A message to [`Kiosk`]: an action for the flow, or the PIN form being sent.
pub enum KioskMsg {
    /// Pass an action to the flow.
    Act(Action),
    /// The worker sent the PIN form: check the PIN typed so far.
    CheckPin,
    /// Pressed Send: submit with the time now.
    Send,
}

impl Kiosk {
    fn arm_idle_timer(&self, ctx: &Context<Self>) {
        let activity = self.flow.activity();
        ctx.link().send_future(async move {
            yew::platform::time::sleep(IDLE_AFTER).await;
            KioskMsg::Act(Action::Idle { activity })
        });
    }
}

impl Component for Kiosk {
    type Message = KioskMsg;
    type Properties = KioskProps;

    fn create(ctx: &Context<Self>) -> Self {
        let flow = KioskFlow::new();
        let kiosk = Kiosk {
            drawn: (flow.screen(), flow.exiting()),
            flow,
            heading: NodeRef::default(),
        };
        kiosk.arm_idle_timer(ctx);
        kiosk
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        let props = ctx.props();
        let action = match msg {
            KioskMsg::Act(action) => action,
            KioskMsg::Send => Action::Submit { now_ms: now_ms() },
            KioskMsg::CheckPin => {
                Action::PinChecked(props.pin_ok.emit(self.flow.pin().to_string()))
            }
        };
        let idle_fired = matches!(action, Action::Idle { .. });
        let session = Session {
            consultation: &props.consultation,
            consultation_id: &props.consultation_id,
            young_person_id: &props.young_person_id,
        };
        match self.flow.update(action, &session) {
            Some(Effect::Submit(response)) => {
                props.on_submit.emit(*response);
                let round = self.flow.round();
                ctx.link().send_future(async move {
                    yew::platform::time::sleep(THANK_YOU_FOR).await;
                    KioskMsg::Act(Action::ThankYouOver { round })
                });
            }
            Some(Effect::Exit) => props.on_exit.emit(()),
            None => {}
        }
        // One idle timer at a time: each firing re-arms it from the latest activity.
        if idle_fired {
            self.arm_idle_timer(ctx);
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        let now = (self.flow.screen(), self.flow.exiting());
        if !first_render
            && now != self.drawn
            && let Some(heading) = self.heading.cast::<web_sys::HtmlElement>()
        {
            // Focus can only fail on a detached element; nothing to do then.
            let _ = heading.focus();
        }
        self.drawn = now;
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let props = ctx.props();
        let link = ctx.link();
        let exit_button = html! {
            <p class="hearth-kiosk__staff">
                <button type="button" class="govuk-button govuk-button--secondary" id="kiosk-exit"
                    onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::AskToExit))}>
                    { "Staff: leave kiosk mode" }
                </button>
            </p>
        };
        let body = if self.flow.exiting() {
            self.pin_screen(ctx)
        } else if props.consultation.state != WorkflowState::Open {
            html! {
                <>
                    <h1 class="govuk-heading-xl" ref={self.heading.clone()} tabindex="-1">{ "This survey is not open right now" }</h1>
                    <p class="govuk-body-l">{ "Please give the tablet back to the adult who gave it to you." }</p>
                    { exit_button }
                </>
            }
        } else {
            html! { <>{ self.screen(ctx) }{ exit_button }</> }
        };
        html! {
            <div id="kiosk" class="hearth-kiosk" data-screen={screen_name(self.flow.screen())}>
                { body }
            </div>
        }
    }
}

/// The screen's name in `data-screen`, for browser tests.
fn screen_name(screen: Screen) -> String {
    match screen {
        Screen::Consent => "consent".into(),
        Screen::NoConsent => "no-consent".into(),
        Screen::Question(n) => format!("question-{}", n + 1),
        Screen::ThankYou => "thank-you".into(),
    }
}

impl Kiosk {
    /// The young person's current screen.
    fn screen(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let c = &ctx.props().consultation;
        match self.flow.screen() {
            Screen::Consent => html! {
                <>
                    <p class="govuk-caption-xl">{ c.title.clone() }</p>
                    if !c.purpose.as_str().trim().is_empty() {
                        <p class="govuk-body-l">{ c.purpose.as_str().to_string() }</p>
                    }
                    <h1 class="govuk-heading-xl" id="kiosk-question" ref={self.heading.clone()} tabindex="-1">{ "Is it OK for us to use your answers?" }</h1>
                    <p class="govuk-body-l">{ "We will not put your name on them. You can skip any question." }</p>
                    <div class="govuk-button-group hearth-kiosk__choices" role="group" aria-labelledby="kiosk-question">
                        <button type="button" class="govuk-button hearth-kiosk__big" id="kiosk-consent-yes"
                            onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::Consent(true)))}>
                            { "Yes, that's OK" }
                        </button>
                        <button type="button" class="govuk-button govuk-button--secondary hearth-kiosk__big"
                            id="kiosk-consent-no"
                            onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::Consent(false)))}>
                            { "No" }
                        </button>
                    </div>
                    { self.talk_box(ctx) }
                </>
            },
            Screen::NoConsent => html! {
                <>
                    <h1 class="govuk-heading-xl" ref={self.heading.clone()} tabindex="-1">{ "That's OK" }</h1>
                    <p class="govuk-body-l">{ "Your answers will not be sent." }</p>
                    if self.flow.talk_to_someone() {
                        <div class="govuk-inset-text govuk-body-l">
                            { "You'd like to talk to someone. Please tell the adult who gave you this tablet." }
                        </div>
                    }
                    { self.talk_box(ctx) }
                    <button type="button" class="govuk-button hearth-kiosk__big" id="kiosk-start-again"
                        onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::StartAgain))}>
                        { "Finish" }
                    </button>
                </>
            },
            Screen::Question(n) => self.question(ctx, n),
            Screen::ThankYou => html! {
                <>
                    <div class="govuk-panel govuk-panel--confirmation" id="kiosk-thank-you">
                        <h1 class="govuk-panel__title" ref={self.heading.clone()} tabindex="-1">{ "Thank you" }</h1>
                        <div class="govuk-panel__body">{ "Your answers have been sent." }</div>
                    </div>
                    <p class="govuk-body-l">{ "If you asked to talk to someone, a worker will get in touch with you." }</p>
                    <button type="button" class="govuk-button hearth-kiosk__big" id="kiosk-start-again"
                        onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::StartAgain))}>
                        { "Finish" }
                    </button>
                </>
            },
        }
    }

    /// "I'd like to talk to someone", on every screen a young person uses.
    fn talk_box(&self, ctx: &Context<Self>) -> Html {
        let onchange = ctx.link().callback(|e: Event| {
            KioskMsg::Act(Action::TalkToSomeone(
                e.target_unchecked_into::<HtmlInputElement>().checked(),
            ))
        });
        html! {
            <div class="govuk-form-group hearth-kiosk__talk">
                <div class="govuk-checkboxes">
                    <div class="govuk-checkboxes__item">
                        <input class="govuk-checkboxes__input" id="talk-to-someone" name="talk-to-someone"
                            type="checkbox" checked={self.flow.talk_to_someone()} {onchange}
                            aria-describedby="talk-to-someone-hint" />
                        <label class="govuk-label govuk-checkboxes__label" for="talk-to-someone">
                            { "I'd like to talk to someone" }
                        </label>
                        <div id="talk-to-someone-hint" class="govuk-hint govuk-checkboxes__hint">
                            { "Tick this and a worker will get in touch with you." }
                        </div>
                    </div>
                </div>
            </div>
        }
    }

    /// Question `n`: the prompt, its answer buttons or box, Back and Next (or Send).
    fn question(&self, ctx: &Context<Self>, n: usize) -> Html {
        let link = ctx.link();
        let questions = &ctx.props().consultation.questions;
        let Some(q) = questions.get(n) else {
            return html! {};
        };
        let reply = self.flow.reply(&q.id);
        let pressed = |r: &Reply| if reply == Some(r) { "true" } else { "false" };
        let answer = match q.question_type {
            QuestionType::EmojiScale => html! {
                <div class="hearth-kiosk__faces" role="group" aria-labelledby="kiosk-question">
                    { for FACES.iter().map(|&(value, face, words)| {
                        let r = Reply::Scale(value);
                        let p = pressed(&r);
                        html! {
                            <button type="button" class="govuk-button govuk-button--secondary emoji-option hearth-kiosk__face"
                                data-value={value.to_string()} aria-label={words} aria-pressed={p}
                                onclick={link.callback(move |_: MouseEvent| KioskMsg::Act(Action::Reply(r.clone())))}>
                                <span class="hearth-kiosk__emoji" aria-hidden="true">{ face }</span>
                                <span class="hearth-kiosk__face-words" aria-hidden="true">{ words }</span>
                            </button>
                        }
                    }) }
                </div>
            },
            QuestionType::YesNoNotSure | QuestionType::SingleChoice => {
                let options: Vec<(String, String)> =
                    if q.question_type == QuestionType::YesNoNotSure {
                        YES_NO_NOT_SURE
                            .iter()
                            .map(|(v, l)| (v.to_string(), l.to_string()))
                            .collect()
                    } else {
                        q.options.iter().map(|o| (o.clone(), o.clone())).collect()
                    };
                html! {
                    <div class="hearth-kiosk__choices" role="group" aria-labelledby="kiosk-question">
                        { for options.into_iter().map(|(value, words)| {
                            let r = Reply::Choice(value.clone());
                            let p = pressed(&r);
                            html! {
                                <button type="button" class="govuk-button govuk-button--secondary choice-option hearth-kiosk__big"
                                    data-value={value} aria-pressed={p}
                                    onclick={link.callback(move |_: MouseEvent| KioskMsg::Act(Action::Reply(r.clone())))}>
                                    { words }
                                </button>
                            }
                        }) }
                    </div>
                }
            }
            QuestionType::MultipleChoice => {
                let chosen = match reply {
                    Some(Reply::Choices(c)) => c.clone(),
                    _ => Vec::new(),
                };
                html! {
                    <div class="govuk-checkboxes hearth-kiosk__checkboxes" role="group" aria-labelledby="kiosk-question">
                        <p class="govuk-body-l">{ "Tick all that you want." }</p>
                        { for q.options.iter().enumerate().map(|(j, option)| {
                            let id = format!("kiosk-option-{j}");
                            let o = option.clone();
                            html! {
                                <div class="govuk-checkboxes__item">
                                    <input class="govuk-checkboxes__input choice-option" id={id.clone()} type="checkbox"
                                        checked={chosen.contains(option)}
                                        onchange={link.callback(move |_: Event| KioskMsg::Act(Action::ToggleOption(o.clone())))} />
                                    <label class="govuk-label govuk-checkboxes__label" for={id}>{ option.clone() }</label>
                                </div>
                            }
                        }) }
                    </div>
                }
            }
            QuestionType::FreeText => {
                let text = match reply {
                    Some(Reply::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                html! {
                    <div class="govuk-form-group">
                        <div class="govuk-hint" id="kiosk-text-hint">{ "Write as much or as little as you like." }</div>
                        <textarea class="govuk-textarea hearth-kiosk__text" id="kiosk-text" rows="5"
                            aria-labelledby="kiosk-question" aria-describedby="kiosk-text-hint" value={text}
                            oninput={link.callback(|e: InputEvent| KioskMsg::Act(Action::Reply(Reply::Text(
                                e.target_unchecked_into::<HtmlTextAreaElement>().value()))))} />
                    </div>
                }
            }
        };
        let last = n + 1 == questions.len();
        html! {
            <>
                <p class="govuk-body-l hearth-kiosk__progress" id="kiosk-progress">
                    { format!("Question {} of {}", n + 1, questions.len()) }
                </p>
                <h1 class="govuk-heading-xl" id="kiosk-question" ref={self.heading.clone()} tabindex="-1">{ q.prompt.clone() }</h1>
                { answer }
                { self.talk_box(ctx) }
                <div class="govuk-button-group">
                    <button type="button" class="govuk-button govuk-button--secondary hearth-kiosk__big" id="kiosk-back"
                        onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::Back))}>{ "Back" }</button>
                    if last {
                        <button type="button" class="govuk-button hearth-kiosk__big" id="kiosk-submit"
                            onclick={link.callback(|_: MouseEvent| KioskMsg::Send)}>{ "Send my answers" }</button>
                    } else {
                        <button type="button" class="govuk-button hearth-kiosk__big" id="kiosk-next"
                            onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::Next))}>{ "Next" }</button>
                    }
                </div>
            </>
        }
    }

    /// The worker's PIN form for leaving kiosk mode.
    fn pin_screen(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let onsubmit = link.callback(|e: SubmitEvent| {
            e.prevent_default();
            KioskMsg::CheckPin
        });
        let oninput = link.callback(|e: InputEvent| {
            KioskMsg::Act(Action::PinInput(
                e.target_unchecked_into::<HtmlInputElement>().value(),
            ))
        });
        let wrong = self.flow.pin_wrong();
        html! {
            <form {onsubmit} novalidate=true>
                <h1 class="govuk-heading-xl" ref={self.heading.clone()} tabindex="-1">{ "Leave kiosk mode" }</h1>
                <p class="govuk-body">{ "For staff only. Anything not yet sent will be cleared." }</p>
                <div class={classes!("govuk-form-group", wrong.then_some("govuk-form-group--error"))}>
                    <label class="govuk-label govuk-label--m" for="kiosk-pin">{ "Your PIN" }</label>
                    if wrong {
                        <p id="kiosk-pin-error" class="govuk-error-message">
                            <span class="govuk-visually-hidden">{ "Error: " }</span>{ "That PIN is not right. Try again." }
                        </p>
                    }
                    <input class={classes!("govuk-input", "govuk-input--width-5", wrong.then_some("govuk-input--error"))}
                        id="kiosk-pin" name="kiosk-pin" type="password" inputmode="numeric" autocomplete="off"
                        value={self.flow.pin().to_string()} {oninput}
                        aria-describedby={wrong.then_some("kiosk-pin-error")} />
                </div>
                <div class="govuk-button-group">
                    <button type="submit" class="govuk-button" id="kiosk-unlock">{ "Leave kiosk mode" }</button>
                    <button type="button" class="govuk-button govuk-button--secondary" id="kiosk-cancel-exit"
                        onclick={link.callback(|_: MouseEvent| KioskMsg::Act(Action::CancelExit))}>{ "Cancel" }</button>
                </div>
            </form>
        }
    }
}
