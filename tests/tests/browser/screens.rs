//! Issue 4's screens that the acceptance flows do not drive: the whole Regulation 33 workflow
//! through its task list (member, then the home's manager), and the consultation builder with
//! its results after a kiosk tablet has answered. Each main screen is saved under
//! `target/screenshots/` and passes a machine-checkable accessibility smoke check.
//!
//! The DOM contract used, beyond `flows.rs`'s: the Reg 33 editor
//! `#inspection-editor[data-state]`, `a.task-link[data-section]` with `#task-<section>-status`,
//! `#section-done`, the section fields (`#time-in`, `#time-out`, `#children-count`,
//! `#child-initials`, `#child-consent`, `#add-child`, `#staff-new`/`#staff-add`,
//! `#relatives-new`/`#relatives-add`, radios named `records-<area>`, `#records-<area>-comment`,
//! `#premises`, `#children-views`, radios `safeguarding-choice`/`wellbeing-choice` with
//! `#safeguarding-text`/`#wellbeing-text`, `#add-recommendation`, `#recommendation-<n>-text`,
//! radios `recommendation-<n>-priority`, `#add-previous-recommendation`, `#previous-<n>-text`,
//! `#previous-<n>-progress`), `#check-answers`, `#submit-inspection`, `#sign-off-inspection`,
//! the manager's `.manager-response`, `.manager-status` and `#send-responses`; the
//! consultation pages' `#nav-consultations`, `#new-consultation`,
//! `#consultation-builder[data-state]`, `#consultation-title`, `#consultation-purpose`,
//! `#add-question-type`, `#add-question`, `#question-<n>-prompt`, `#question-<n>-option-<m>`,
//! `#open-consultation`, `.consultation-row[data-document-id][data-state]`, `.results-link`,
//! `#consultation-results`, `.question-result[data-question-id]` (rows with `data-count`,
//! `.free-text-answers`) and `#talk-to-someone-list li.talk-to-someone`.
//!
//! The workflow tests type record text at a person's pace (a frame drawn after each key); the
//! two `fast_typing_*` tests type at machine speed on a CPU slowed 4× (a cheap tablet).

use hearth_e2e::accessibility::assert_accessible;
use hearth_e2e::app_steps::{
    admin_screens, check_by_label, new_consultation, open_home, open_route, route_id, sign_in,
    sign_in_admin, wait_for_listing, wait_saved_everywhere, wait_saved_on_device,
};
use hearth_e2e::browser::{Browser, BrowserEnv, Profile};
use hearth_e2e::{Api, server_bin};
use hearth_shared::ids::DocumentId;
use hearth_shared::model::{
    Audience, CheckArea, CheckOutcome, OpinionChoice, Priority, QuestionType, RecommendationStatus,
    Record, RecordKind, WorkflowState,
};
use hearth_shared::permissions::Role;

/// Polls `GET /api/documents` as `api` until `id` is listed in `state`.
async fn wait_for_server_state(api: &Api, id: DocumentId, state: WorkflowState) {
    let what = format!("{id} as {}", state.as_str());
    wait_for_listing(api, &what, |rows| {
        rows.iter()
            .any(|d| d["id"] == id.to_string() && d["state"] == state.as_str())
            .then_some(())
    })
    .await;
}

/// Polls `GET /api/documents` as `api` until it lists `count` documents of `kind`, and returns
/// their ids.
async fn wait_for_server_kind(api: &Api, kind: RecordKind, count: usize) -> Vec<DocumentId> {
    let what = format!("{count} {} documents", kind.as_str());
    wait_for_listing(api, &what, |rows| {
        let ids: Vec<DocumentId> = rows
            .iter()
            .filter(|d| d["kind"] == kind.as_str())
            .filter_map(|d| d["id"].as_str().and_then(|id| id.parse().ok()))
            .collect();
        (ids.len() >= count).then_some(ids)
    })
    .await
}

/// Types `text` into the empty field `css` one key at a time, letting the page draw a frame
/// after each key, as at a person's typing speed (machine-speed typing has its own test,
/// `fast_typing_into_reg33_text_boxes_keeps_exactly_what_was_typed`).
async fn type_like_a_person(browser: &Browser, css: &str, text: &str) {
    let field = browser.wait_for(css).await;
    for key in text.chars() {
        field
            .send_keys(key.to_string())
            .await
            .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
        // Yew renders in a microtask after each input event; a frame is well after that.
        browser
            .execute(
                "return new Promise(done => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
    }
    browser.wait_for_value(css, text).await;
}

/// Chooses the radio named `name` with `value` the way a person does: GOV.UK draws the input
/// with its label, so the label is what is clicked. Waits until it is checked.
async fn choose_radio(browser: &Browser, name: &str, value: &str) {
    let css = format!("input[type=\"radio\"][name=\"{name}\"][value=\"{value}\"]");
    let id = browser
        .wait_present(&css)
        .await
        .attr("id")
        .await
        .unwrap_or_else(|e| panic!("reading the id of `{css}`: {e}"))
        .unwrap_or_else(|| panic!("`{css}` has an id for its label"));
    browser.click(&format!("label[for=\"{id}\"]")).await;
    browser
        .wait_until(
            &format!("`{css}` to be checked"),
            &format!("return document.getElementById('{id}')?.checked === true;"),
        )
        .await;
}

/// Ticks the GOV.UK checkbox `id` through its label and waits until it is ticked.
async fn tick(browser: &Browser, id: &str) {
    browser.click(&format!("label[for=\"{id}\"]")).await;
    browser
        .wait_until(
            &format!("`#{id}` to be ticked"),
            &format!("return document.getElementById('{id}')?.checked === true;"),
        )
        .await;
}

/// Picks the option with `value` in the drop-down `select` and waits until it is selected.
async fn choose_option(browser: &Browser, select: &str, value: &str) {
    browser
        .click(&format!("{select} option[value=\"{value}\"]"))
        .await;
    browser
        .wait_until(
            &format!("`{select}` to be {value:?}"),
            &format!(
                "return document.querySelector('{select}')?.value === '{value}';",
                select = select.replace('\'', "\\'")
            ),
        )
        .await;
}

/// Types `hh:mm` into a `<input type="time">` key by key, as a person does. Chromium draws the
/// field in the browser's locale: in a 12-hour one the hours are typed as on a 12-hour clock and
/// the AM/PM part must be typed too before the field has a value.
async fn type_time(browser: &Browser, css: &str, hh_mm: &str) {
    let (hours, minutes) = hh_mm.split_once(':').expect("a time like 10:30");
    let hour: u32 = hours.parse().expect("hours are a number");
    let twelve_hour = browser
        .execute(
            "return ['h11', 'h12'].includes(new Intl.DateTimeFormat(navigator.language, \
               {hour: 'numeric'}).resolvedOptions().hourCycle);",
            vec![],
        )
        .await
        == true;
    let keys = if twelve_hour {
        let hour_12 = match hour % 12 {
            0 => 12,
            h => h,
        };
        let meridiem = if hour < 12 { "A" } else { "P" };
        format!("{hour_12:02}{minutes}{meridiem}")
    } else {
        format!("{hour:02}{minutes}")
    };
    browser
        .wait_for(css)
        .await
        .send_keys(keys)
        .await
        .unwrap_or_else(|e| panic!("typing into `{css}`: {e}"));
    browser
        .wait_until(
            &format!("`{css}` to hold {hh_mm}"),
            &format!(
                "return document.querySelector('{css}')?.value === '{hh_mm}';",
                css = css.replace('\'', "\\'")
            ),
        )
        .await;
}

/// Scrolls `css` to the top of the window and saves a screenshot `name` of what is then in view.
async fn screenshot_at(browser: &Browser, css: &str, name: &str) {
    browser.wait_for(css).await;
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'start'});",
            vec![serde_json::json!(css)],
        )
        .await;
    browser.screenshot(name).await;
}

/// The task list's status for `section`, once the list shows `expected`.
async fn wait_section_status(browser: &Browser, section: &str, expected: &str) {
    browser
        .wait_for_text(&format!("#task-{section}-status"), expected)
        .await;
}

/// Opens `section` from the task list and waits for its form (which shows `heading`).
async fn open_section(browser: &Browser, section: &str, heading: &str) {
    browser
        .click(&format!("a.task-link[data-section=\"{section}\"]"))
        .await;
    browser.wait_for_text("#inspection-view h2", heading).await;
}

/// Back to the task list, where `section` must now be completed.
async fn finish_section(browser: &Browser, section: &str) {
    browser.click("#section-done").await;
    browser.wait_for("#task-list").await;
    wait_section_status(browser, section, "Completed").await;
}

#[tokio::test]
async fn reg33_record_goes_from_task_list_to_sign_off_and_the_manager_responds() {
    let Some(env) =
        BrowserEnv::get("reg33_record_goes_from_task_list_to_sign_off_and_the_manager_responds")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Five").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let (manager_api, manager) = server.user(Role::Manager, &[&home]).await;

    let councillor = env.browser(&Profile::new("reg33-member")).await;
    sign_in(&councillor, &server, &member).await;
    open_home(&councillor, &home).await;
    councillor.click("#new-inspection").await;
    let id = route_id(&councillor, "#/records/").await;
    councillor
        .wait_for("#inspection-editor[data-state=\"draft\"] #task-list")
        .await;
    for section in [
        "visitDetails",
        "spokeWith",
        "recordsChecked",
        "premises",
        "childrenViews",
        "opinion",
        "recommendations",
        "previousRecommendations",
    ] {
        wait_section_status(&councillor, section, "Incomplete").await;
    }
    councillor.screenshot("reg33-task-list").await;
    assert_accessible(&councillor, "Reg 33 task list").await;

    // Visit details: the date is the day the record was started and the member is already a
    // visiting member; the times are what is left.
    open_section(&councillor, "visitDetails", "Visit details").await;
    type_time(&councillor, "#time-in", "10:30").await;
    type_time(&councillor, "#time-out", "12:15").await;
    choose_radio(&councillor, "announced", "no").await;
    // Named, not shown as an id (the names come from /api/people once synced).
    councillor
        .wait_for_text("#visiting-members", &member.display_name)
        .await;
    assert_accessible(&councillor, "Reg 33 visit details").await;
    finish_section(&councillor, "visitDetails").await;

    // Who we spoke with: children by initials only; the box cannot hold a name.
    open_section(&councillor, "spokeWith", "Who we spoke with").await;
    councillor.fill("#children-count", "3").await;
    councillor.fill("#child-initials", "Alexandra").await;
    assert_eq!(
        councillor.value("#child-initials").await,
        "ALE",
        "a name typed into the initials box is cut to three capitals"
    );
    councillor.fill("#child-initials", "ab").await;
    councillor.wait_for_value("#child-initials", "AB").await;
    tick(&councillor, "child-consent").await;
    councillor.click("#add-child").await;
    councillor
        .wait_for_text("#children-list", "AB agreed to their views being recorded")
        .await;
    councillor.fill("#child-initials", "cd").await;
    councillor.wait_for_value("#child-initials", "CD").await;
    tick(&councillor, "child-consent").await;
    councillor.click("#add-child").await;
    councillor
        .wait_for_text("#children-list", "CD agreed to their views being recorded")
        .await;
    councillor.fill("#staff-new", "Team leader").await;
    councillor.click("#staff-add").await;
    councillor.wait_for_text("#staff-list", "Team leader").await;
    councillor.fill("#relatives-new", "Parent").await;
    councillor.click("#relatives-add").await;
    councillor.wait_for_text("#relatives-list", "Parent").await;
    screenshot_at(&councillor, "#inspection-view", "reg33-section-spoke-with").await;
    assert_accessible(&councillor, "Reg 33 who we spoke with").await;
    finish_section(&councillor, "spokeWith").await;

    // Records checked: a concern needs a comment before the section counts as done.
    open_section(&councillor, "recordsChecked", "Records checked").await;
    for area in [
        CheckArea::Complaints,
        CheckArea::DailyLogs,
        CheckArea::FireSafety,
    ] {
        choose_radio(
            &councillor,
            &format!("records-{}", area.as_str()),
            CheckOutcome::Satisfactory.as_str(),
        )
        .await;
    }
    let medication = format!("records-{}", CheckArea::Medication.as_str());
    choose_radio(&councillor, &medication, CheckOutcome::Concern.as_str()).await;
    councillor
        .wait_for_text(
            &format!("#{medication}-comment-error"),
            "Say what the concern is",
        )
        .await;
    type_like_a_person(
        &councillor,
        &format!("#{medication}-comment"),
        "Two synthetic MAR entries were unsigned.",
    )
    .await;
    councillor
        .wait_gone(&format!("#{medication}-comment-error"))
        .await;
    assert_accessible(&councillor, "Reg 33 records checked").await;
    finish_section(&councillor, "recordsChecked").await;

    open_section(&councillor, "premises", "Premises and environment").await;
    type_like_a_person(
        &councillor,
        "#premises",
        "Synthetic: clean and homely; the boiler has been repaired.",
    )
    .await;
    assert_accessible(&councillor, "Reg 33 premises").await;
    finish_section(&councillor, "premises").await;

    open_section(&councillor, "childrenViews", "Children's views").await;
    type_like_a_person(
        &councillor,
        "#children-views",
        "Synthetic: AB likes the new garden; CD wants more trips out.",
    )
    .await;
    finish_section(&councillor, "childrenViews").await;

    open_section(
        &councillor,
        "opinion",
        "Opinion on safeguarding and wellbeing",
    )
    .await;
    choose_radio(
        &councillor,
        "safeguarding-choice",
        OpinionChoice::Effective.as_str(),
    )
    .await;
    type_like_a_person(
        &councillor,
        "#safeguarding-text",
        "Staff knew the synthetic procedures well.",
    )
    .await;
    choose_radio(
        &councillor,
        "wellbeing-choice",
        OpinionChoice::RequiresImprovement.as_str(),
    )
    .await;
    type_like_a_person(
        &councillor,
        "#wellbeing-text",
        "Activities were limited at weekends.",
    )
    .await;
    assert_accessible(&councillor, "Reg 33 opinion").await;
    finish_section(&councillor, "opinion").await;

    open_section(&councillor, "recommendations", "Recommendations").await;
    councillor.click("#add-recommendation").await;
    type_like_a_person(
        &councillor,
        "#recommendation-0-text",
        "Audit medication records weekly.",
    )
    .await;
    choose_radio(
        &councillor,
        "recommendation-0-priority",
        Priority::High.as_str(),
    )
    .await;
    councillor.screenshot("reg33-section-recommendations").await;
    assert_accessible(&councillor, "Reg 33 recommendations").await;
    finish_section(&councillor, "recommendations").await;

    open_section(
        &councillor,
        "previousRecommendations",
        "Previous recommendations",
    )
    .await;
    councillor.click("#add-previous-recommendation").await;
    type_like_a_person(&councillor, "#previous-0-text", "Repaint the lounge.").await;
    type_like_a_person(&councillor, "#previous-0-progress", "Done in the autumn.").await;
    assert_accessible(&councillor, "Reg 33 previous recommendations").await;
    finish_section(&councillor, "previousRecommendations").await;

    councillor
        .wait_for_text("#inspection-view", "You have completed 8 of 8 sections.")
        .await;
    wait_saved_everywhere(&councillor).await;
    councillor.screenshot("reg33-task-list-completed").await;

    // Check your answers, then submit and sign off.
    councillor.click("#check-answers").await;
    councillor
        .wait_for_text("#check-answers-heading", "Check your answers")
        .await;
    councillor
        .wait_for_text("#summary-visitDetails", "10:30")
        .await;
    councillor
        .wait_for_text("#summary-visitDetails", &member.display_name)
        .await;
    councillor
        .wait_for_text("#summary-spokeWith", "AB (agreed to views being recorded)")
        .await;
    councillor
        .wait_for_text(
            "#summary-recommendations",
            "Audit medication records weekly.",
        )
        .await;
    councillor.screenshot("reg33-check-answers").await;
    assert_accessible(&councillor, "Reg 33 check your answers").await;
    councillor.click("#submit-inspection").await;
    councillor
        .wait_for("#inspection-editor[data-state=\"submitted\"]")
        .await;
    assert_accessible(&councillor, "Reg 33 submitted").await;
    councillor.click("#sign-off-inspection").await;
    councillor
        .wait_for("#inspection-editor[data-state=\"signedOff\"]")
        .await;
    wait_saved_everywhere(&councillor).await;
    wait_for_server_state(&member_api, id, WorkflowState::SignedOff).await;
    // Signed off: read-only for the member, no form left.
    councillor.wait_gone("#inspection-view textarea").await;
    councillor.wait_gone("#inspection-view input").await;
    screenshot_at(&councillor, "#inspection-editor", "reg33-signed-off").await;
    assert_accessible(&councillor, "Reg 33 signed off (member)").await;
    councillor.assert_no_console_errors().await;

    // The home's manager responds on their own device.
    let manager_browser = env.browser(&Profile::new("reg33-manager")).await;
    sign_in(&manager_browser, &server, &manager).await;
    open_home(&manager_browser, &home).await;
    manager_browser
        .click(&format!(
            ".record-row[data-document-id=\"{id}\"][data-state=\"signedOff\"] a"
        ))
        .await;
    manager_browser
        .wait_for("#inspection-editor[data-state=\"signedOff\"]")
        .await;
    // The manager shares the home, so sees who visited by name.
    manager_browser
        .wait_for_text("#summary-visitDetails", &member.display_name)
        .await;
    type_like_a_person(
        &manager_browser,
        ".manager-response",
        "Synthetic: weekly audits start on Monday.",
    )
    .await;
    choose_option(
        &manager_browser,
        ".manager-status",
        RecommendationStatus::Accepted.as_str(),
    )
    .await;
    wait_saved_on_device(&manager_browser).await;
    screenshot_at(
        &manager_browser,
        ".manager-response",
        "reg33-manager-response",
    )
    .await;
    assert_accessible(&manager_browser, "Reg 33 manager's responses").await;
    manager_browser.click("#send-responses").await;
    manager_browser
        .wait_for("#inspection-editor[data-state=\"responded\"]")
        .await;
    wait_saved_everywhere(&manager_browser).await;
    wait_for_server_state(&manager_api, id, WorkflowState::Responded).await;
    manager_browser.assert_no_console_errors().await;

    // What the server holds is what was typed, section by section.
    let mut sync = member_api.sync().await;
    let Record::Inspection(record) = sync.fetch(id).await.expect("the member reads the record")
    else {
        panic!("{id} is an inspection");
    };
    assert_eq!(record.state, WorkflowState::Responded);
    assert_eq!(
        (record.time_in.as_str(), record.time_out.as_str()),
        ("10:30", "12:15")
    );
    assert!(!record.announced);
    assert_eq!(record.visiting_members, std::slice::from_ref(&member.id));
    assert_eq!(record.spoke_with.children.count, 3);
    let initials: Vec<(&str, bool)> = record
        .spoke_with
        .children
        .entries
        .iter()
        .map(|c| (c.initials.as_str(), c.consent))
        .collect();
    assert_eq!(initials, [("AB", true), ("CD", true)]);
    assert_eq!(record.spoke_with.staff, ["Team leader"]);
    assert_eq!(record.spoke_with.parents_relatives, ["Parent"]);
    let medication = record
        .records_checked
        .iter()
        .find(|c| c.area == CheckArea::Medication)
        .expect("every area is listed");
    assert_eq!(medication.outcome, CheckOutcome::Concern);
    assert_eq!(
        medication.comment.as_str(),
        "Two synthetic MAR entries were unsigned."
    );
    assert_eq!(record.safeguarding_opinion.choice, OpinionChoice::Effective);
    assert_eq!(
        record.wellbeing_opinion.choice,
        OpinionChoice::RequiresImprovement
    );
    let [recommendation] = record.recommendations.as_slice() else {
        panic!("one recommendation: {:?}", record.recommendations.len());
    };
    assert_eq!(
        recommendation.text.as_str(),
        "Audit medication records weekly."
    );
    assert_eq!(recommendation.priority, Priority::High);
    assert_eq!(
        recommendation.manager_response.as_str(),
        "Synthetic: weekly audits start on Monday."
    );
    assert_eq!(recommendation.status, RecommendationStatus::Accepted);
    assert_eq!(record.previous_recommendations.len(), 1);
    assert_eq!(
        record.sign_off.as_ref().map(|s| s.by.as_str()),
        Some(member.id.as_str())
    );
    sync.close().await;

    manager_browser.close().await;
    councillor.close().await;
}

#[tokio::test]
async fn a_consultation_built_in_the_browser_shows_kiosk_answers_in_its_results() {
    let Some(env) =
        BrowserEnv::get("a_consultation_built_in_the_browser_shows_kiosk_answers_in_its_results")
            .await
    else {
        return;
    };
    let server = env
        // One or two answers: counts shown as they are (small-group suppression is
        // `service/reporting_api.rs`'s and `browser/reporting.rs`'s to test).
        .start_server_with(server_bin!(), &[("HEARTH_SUPPRESS_BELOW", "1")])
        .await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let (_, kiosk_account) = server.user(Role::YoungPerson, &[]).await;
    let title = "Synthetic survey: food at home";

    // The participation worker builds it: one question of each kind a tablet shows differently.
    let desk = env.browser(&Profile::new("participation-worker")).await;
    sign_in(&desk, &server, &worker).await;
    let cid = new_consultation(&desk).await;
    type_like_a_person(&desk, "#consultation-title", title).await;
    type_like_a_person(
        &desk,
        "#consultation-purpose",
        "We want to know what you think of meals, so we can change the menu.",
    )
    .await;
    choose_radio(&desk, "consultation-audience", "13-15").await;
    let questions = [
        (QuestionType::EmojiScale, "How do you feel about meals?"),
        (QuestionType::SingleChoice, "Which tea do you like best?"),
        (QuestionType::YesNoNotSure, "Do you help cook?"),
        (QuestionType::FreeText, "What would you change?"),
    ];
    for (n, (kind, prompt)) in questions.iter().enumerate() {
        choose_option(&desk, "#add-question-type", kind.as_str()).await;
        desk.click("#add-question").await;
        type_like_a_person(&desk, &format!("#question-{n}-prompt"), prompt).await;
        desk.wait_for_value(&format!("#question-{n}-type"), kind.as_str())
            .await;
    }
    type_like_a_person(&desk, "#question-1-option-0", "Pizza").await;
    type_like_a_person(&desk, "#question-1-option-1", "Curry").await;
    wait_saved_on_device(&desk).await;
    screenshot_at(&desk, "#consultation-builder", "consultation-builder").await;
    assert_accessible(&desk, "consultation builder").await;
    desk.click("#open-consultation").await;
    desk.wait_for("#consultation-builder[data-state=\"open\"]")
        .await;
    wait_saved_everywhere(&desk).await;
    assert_accessible(&desk, "open consultation").await;
    wait_for_server_state(&worker_api, cid, WorkflowState::Open).await;
    let mut sync = worker_api.sync().await;
    let Record::Consultation(built) = sync.fetch(cid).await.expect("the worker reads it") else {
        panic!("{cid} is a consultation");
    };
    sync.close().await;
    assert_eq!(built.title, title);
    assert_eq!(
        built.purpose.as_str(),
        "We want to know what you think of meals, so we can change the menu."
    );
    assert_eq!(built.audience, Audience::Ages13To15);
    let asked: Vec<(QuestionType, &str)> = built
        .questions
        .iter()
        .map(|q| (q.question_type, q.prompt.as_str()))
        .collect();
    assert_eq!(asked, questions);
    assert_eq!(built.questions[1].options, ["Pizza", "Curry"]);

    // A tablet in kiosk mode takes two young people's answers; the first asks to talk.
    let tablet = env.browser(&Profile::new("consultation-kiosk")).await;
    tablet.goto(&format!("{}/#/sign-in", server.base)).await;
    tablet.fill("#username", &kiosk_account.username).await;
    tablet.fill("#password", &kiosk_account.password).await;
    tablet.click("#sign-in").await;
    tablet
        .click(&format!("#start-kiosk[data-document-id=\"{cid}\"]"))
        .await;
    tablet.fill("#kiosk-pin-new", "1357").await;
    tablet.fill("#kiosk-pin-confirm", "1357").await;
    tablet.click("#kiosk-pin-save").await;
    let answers = [
        ("4", "Pizza", "yes", "More fruit, please.", true),
        ("2", "Curry", "notSure", "Pudding on Fridays.", false),
    ];
    for (round, (face, tea, cooks, change, talk)) in answers.into_iter().enumerate() {
        tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
        tablet.click("#kiosk-consent-yes").await;
        tablet.wait_for("#kiosk[data-screen=\"question-1\"]").await;
        tablet
            .click(&format!(".emoji-option[data-value=\"{face}\"]"))
            .await;
        tablet
            .wait_for(&format!(
                ".emoji-option[data-value=\"{face}\"][aria-pressed=\"true\"]"
            ))
            .await;
        if round == 0 {
            assert_accessible(&tablet, "kiosk emoji question").await;
        }
        tablet.click("#kiosk-next").await;
        tablet.wait_for("#kiosk[data-screen=\"question-2\"]").await;
        tablet
            .click(&format!(".choice-option[data-value=\"{tea}\"]"))
            .await;
        tablet
            .wait_for(&format!(
                ".choice-option[data-value=\"{tea}\"][aria-pressed=\"true\"]"
            ))
            .await;
        tablet.click("#kiosk-next").await;
        tablet.wait_for("#kiosk[data-screen=\"question-3\"]").await;
        tablet
            .click(&format!(".choice-option[data-value=\"{cooks}\"]"))
            .await;
        tablet
            .wait_for(&format!(
                ".choice-option[data-value=\"{cooks}\"][aria-pressed=\"true\"]"
            ))
            .await;
        tablet.click("#kiosk-next").await;
        tablet.wait_for("#kiosk[data-screen=\"question-4\"]").await;
        tablet.fill("#kiosk-text", change).await;
        if talk {
            tick(&tablet, "talk-to-someone").await;
        }
        if round == 0 {
            assert_accessible(&tablet, "kiosk written question").await;
        }
        tablet.click("#kiosk-submit").await;
        tablet.wait_for("#kiosk-thank-you").await;
        tablet.click("#kiosk-start-again").await;
    }
    tablet.wait_for("#kiosk[data-screen=\"consent\"]").await;
    let responses = wait_for_server_kind(&worker_api, RecordKind::ConsultationResponse, 2).await;
    assert_eq!(responses.len(), 2, "one response per young person");
    tablet.close().await;

    // The worker's list shows it open, with its results.
    desk.click("#nav-consultations").await;
    let row = format!(".consultation-row[data-document-id=\"{cid}\"][data-state=\"open\"]");
    desk.wait_for_text(&row, title).await;
    desk.screenshot("consultations-list").await;
    assert_accessible(&desk, "consultations list").await;
    desk.click(&format!("{row} .results-link")).await;
    desk.wait_for_text("#consultation-results h1", title).await;
    desk.wait_for_text(
        "#consultation-results",
        "2 responses with consent to use the answers.",
    )
    .await;
    let follow_ups = desk
        .wait_until(
            "the follow-up list",
            "return document.querySelectorAll('#talk-to-someone-list li.talk-to-someone').length;",
        )
        .await;
    assert_eq!(follow_ups, 1, "only the first young person asked to talk");
    desk.wait_for_text(
        "#talk-to-someone-list",
        "1 young person asked to talk to someone",
    )
    .await;

    // The aggregates, question by question: [label, count] per row, or the written answers.
    let results = desk
        .execute(
            "return [...document.querySelectorAll('.question-result')].map(s => ({ \
               rows: [...s.querySelectorAll('tbody tr')] \
                 .map(r => [r.querySelector('th').textContent.trim(), Number(r.dataset.count)]), \
               texts: [...s.querySelectorAll('.free-text-answers li')].map(l => l.textContent.trim()), \
             }));",
            vec![],
        )
        .await;
    let rows = |n: usize| results[n]["rows"].clone();
    assert_eq!(
        rows(0),
        serde_json::json!([
            ["Very sad", 0],
            ["Sad", 1],
            ["OK", 0],
            ["Happy", 1],
            ["Very happy", 0]
        ]),
        "faces scale: {results}"
    );
    assert_eq!(
        rows(1),
        serde_json::json!([["Pizza", 1], ["Curry", 1]]),
        "single choice: {results}"
    );
    assert_eq!(
        rows(2),
        serde_json::json!([["Yes", 1], ["No", 0], ["Not sure", 1]]),
        "yes, no or not sure: {results}"
    );
    let mut texts: Vec<String> = serde_json::from_value(results[3]["texts"].clone())
        .unwrap_or_else(|e| panic!("written answers ({e}): {results}"));
    texts.sort();
    assert_eq!(texts, ["More fruit, please.", "Pudding on Fridays."]);
    desk.screenshot("consultation-results").await;
    screenshot_at(&desk, ".question-result", "consultation-results-answers").await;
    assert_accessible(&desk, "consultation results").await;

    // The consultation page links to the same results.
    desk.goto(&format!("{}/#/consultations/{cid}", server.base))
        .await;
    desk.wait_for("#consultation-results-link").await;
    desk.assert_no_console_errors().await;
    desk.close().await;
}

/// Keystrokes that arrive before the editor re-renders are each derived from the same old
/// record, and Yew may run them between rendering the page and rendering the form inside it (its
/// scheduler yields to the browser every 16 ms), so a form can emit an edit from an older record
/// than the page last read. Two bugs came from that, both caught here before they were fixed:
/// duplicated text (3 runs in 4; fixed by `Engine::write_record` rebasing such edits, pinned by
/// `two_edits_from_the_same_stale_view_keep_exactly_what_was_typed`) and text cut short (every
/// run with the CPU slowed; fixed by writing each edit relative to the version it was made from,
/// `pages::Edit`).
#[tokio::test]
async fn fast_typing_into_reg33_text_boxes_keeps_exactly_what_was_typed() {
    let Some(env) =
        BrowserEnv::get("fast_typing_into_reg33_text_boxes_keeps_exactly_what_was_typed").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Seven").await;
    let (member_api, member) = server.user(Role::Member, &[&home]).await;
    let councillor = env.browser(&Profile::new("reg33-fast-typist")).await;
    sign_in(&councillor, &server, &member).await;
    open_home(&councillor, &home).await;
    councillor.click("#new-inspection").await;
    let id = route_id(&councillor, "#/records/").await;

    // Each box is typed in one burst straight after another change to the record (a radio
    // choice, an added recommendation), while that change is still being saved and synced: the
    // moment the workflow test's bursts came out duplicated or cut short.
    // Every chance the section offers: the race is lost on some bursts, not all.
    let areas = CheckArea::ALL;
    let comment = |area: CheckArea| {
        format!(
            "Synthetic concern about {}: two entries unsigned.",
            area.as_str()
        )
    };
    open_section(&councillor, "recordsChecked", "Records checked").await;
    // A slow tablet: renders long enough for Yew to yield to key events part-way through.
    councillor.slow_cpu(4.0).await;
    let mut shown = Vec::new();
    for &area in areas {
        let name = format!("records-{}", area.as_str());
        choose_radio(&councillor, &name, CheckOutcome::Concern.as_str()).await;
        councillor
            .fill(&format!("#{name}-comment"), &comment(area))
            .await;
        wait_saved_on_device(&councillor).await;
        shown.push(councillor.value(&format!("#{name}-comment")).await);
    }
    councillor.click("#section-done").await;
    open_section(&councillor, "recommendations", "Recommendations").await;
    let recommendations = [
        "Audit medication records weekly.",
        "Offer more weekend activities.",
        "Repair the garden fence.",
        "Review the staff rota with the team.",
    ];
    for (n, text) in recommendations.iter().enumerate() {
        councillor.click("#add-recommendation").await;
        councillor
            .fill(&format!("#recommendation-{n}-text"), text)
            .await;
        wait_saved_on_device(&councillor).await;
        shown.push(councillor.value(&format!("#recommendation-{n}-text")).await);
    }
    wait_saved_everywhere(&councillor).await;

    let mut sync = member_api.sync().await;
    let Record::Inspection(record) = sync.fetch(id).await.expect("the member reads the record")
    else {
        panic!("{id} is an inspection");
    };
    sync.close().await;
    let typed: Vec<String> = areas
        .iter()
        .map(|&area| comment(area))
        .chain(recommendations.iter().map(|r| r.to_string()))
        .collect();
    let stored: Vec<String> = areas
        .iter()
        .map(|&area| {
            record
                .records_checked
                .iter()
                .find(|c| c.area == area)
                .map_or_else(String::new, |c| c.comment.as_str().to_string())
        })
        .chain(
            record
                .recommendations
                .iter()
                .map(|r| r.text.as_str().to_string()),
        )
        .collect();
    let mut wrong = Vec::new();
    for (n, text) in typed.iter().enumerate() {
        let (shown, stored) = (shown.get(n), stored.get(n));
        if shown != Some(text) || stored != Some(text) {
            wrong.push(format!(
                "typed {text:?}\n  the box showed {shown:?}\n  the server has {stored:?}"
            ));
        }
    }
    // What the page said, if anything: an error message tells which write failed and why.
    let alerts = councillor
        .execute(
            "return [...document.querySelectorAll('[role=alert]')].map(e => e.textContent);",
            vec![],
        )
        .await;
    councillor.close().await;
    assert!(
        wrong.is_empty(),
        "text typed was not kept:\n{}\nalerts on the page: {alerts}",
        wrong.join("\n")
    );
}

/// The consultation builder's forms are fed the same way as the Reg 33 sections (a record with
/// its version, edits emitted whole), so the same burst typing on a slow tablet must keep
/// every character: the title and prompts (plain strings) and the purpose (collaborative text).
/// (Its page is lighter than the Reg 33 one: this did not hit the render race that cut Reg 33
/// text short, even with the old client and the CPU slowed 10×; it guards the builder's own
/// write path under bursts.)
#[tokio::test]
async fn fast_typing_into_the_consultation_builder_keeps_exactly_what_was_typed() {
    let Some(env) =
        BrowserEnv::get("fast_typing_into_the_consultation_builder_keeps_exactly_what_was_typed")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let desk = env.browser(&Profile::new("consultation-fast-typist")).await;
    sign_in(&desk, &server, &worker).await;
    let cid = new_consultation(&desk).await;
    desk.slow_cpu(4.0).await;

    let title = "Synthetic survey: weekend activities and pocket money";
    let purpose = "We want to know what you would like to do at weekends, so we can plan trips.";
    desk.fill("#consultation-title", title).await;
    desk.fill("#consultation-purpose", purpose).await;
    let prompts = [
        "Which trips would you like to go on?",
        "What would you change about weekends?",
        "Is your pocket money enough for what you like doing?",
    ];
    for (n, prompt) in prompts.iter().enumerate() {
        choose_option(&desk, "#add-question-type", QuestionType::FreeText.as_str()).await;
        desk.click("#add-question").await;
        desk.fill(&format!("#question-{n}-prompt"), prompt).await;
        wait_saved_on_device(&desk).await;
    }
    wait_saved_everywhere(&desk).await;
    let shown = (
        desk.value("#consultation-title").await,
        desk.value("#consultation-purpose").await,
    );
    let mut shown_prompts = Vec::new();
    for n in 0..prompts.len() {
        shown_prompts.push(desk.value(&format!("#question-{n}-prompt")).await);
    }
    let mut sync = worker_api.sync().await;
    let Record::Consultation(stored) = sync.fetch(cid).await.expect("the worker reads it") else {
        panic!("{cid} is a consultation");
    };
    sync.close().await;
    desk.close().await;
    assert_eq!(shown, (title.to_string(), purpose.to_string()), "shown");
    assert_eq!(shown_prompts, prompts, "prompts shown");
    assert_eq!(
        (stored.title.as_str(), stored.purpose.as_str()),
        (title, purpose),
        "stored"
    );
    let stored_prompts: Vec<&str> = stored.questions.iter().map(|q| q.prompt.as_str()).collect();
    assert_eq!(stored_prompts, prompts, "prompts stored");
}

/// Issue 8's administration screens, each with its data loaded, pass the smoke check: the
/// overview, users, creating a user (with the home checkboxes shown), a user (and its
/// confirmation), homes, a home with people, and the audit.
#[tokio::test]
async fn admin_screens_pass_the_accessibility_smoke_check() {
    let Some(env) = BrowserEnv::get("admin_screens_pass_the_accessibility_smoke_check").await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let home = server.home("Synthetic House Admin").await;
    let (_, member) = server.user(Role::Member, &[&home]).await;
    let desk = env.browser(&Profile::new("admin-accessibility")).await;
    sign_in_admin(&desk, &server).await;
    for (name, route, ready) in admin_screens(&home, &member.id) {
        open_route(&desk, &route, ready).await;
        assert_accessible(&desk, name).await;
        match name {
            "admin-new-user" => {
                check_by_label(&desk, "role-member").await;
                desk.wait_for(&format!("label[for=\"home-{home}\"]")).await;
                assert_accessible(&desk, "admin-new-user with homes").await;
            }
            "admin-user" => {
                desk.click("#reset-password").await;
                desk.wait_for("#confirm").await;
                assert_accessible(&desk, "admin-user confirmation").await;
                screenshot_at(&desk, "#confirm", "admin-user-confirm-reset").await;
                desk.click("#confirm-cancel").await;
            }
            "admin-home" => {
                desk.click("#archive-home").await;
                desk.wait_for("#confirm").await;
                assert_accessible(&desk, "admin-home confirmation").await;
                screenshot_at(&desk, "#confirm", "admin-home-confirm-archive").await;
                desk.click("#confirm-cancel").await;
            }
            _ => {}
        }
        desk.screenshot(&format!("{name}-checked")).await;
    }
    desk.assert_no_console_errors().await;
    desk.close().await;
}

/// Issue 8's devices and tablet set-up screens pass the smoke check: a worker's devices, the
/// set-up code for a tablet, the tablet's "Set up this tablet" page (and its error), and an
/// admin's devices with everyone's and the revoke confirmation.
#[tokio::test]
async fn devices_and_tablet_set_up_screens_pass_the_accessibility_smoke_check() {
    use hearth_e2e::app_steps::{open_consultation_over_sync, open_devices, tablet_set_up_code};
    let Some(env) =
        BrowserEnv::get("devices_and_tablet_set_up_screens_pass_the_accessibility_smoke_check")
            .await
    else {
        return;
    };
    let server = env.start_server(server_bin!()).await;
    let (worker_api, worker) = server.user(Role::ParticipationWorker, &[]).await;
    let cid =
        open_consultation_over_sync(&worker_api, &worker, "Synthetic survey on screens").await;
    let desk = env.browser(&Profile::new("devices-accessibility")).await;
    sign_in(&desk, &server, &worker).await;
    open_devices(&desk).await;
    assert_accessible(&desk, "devices").await;
    tablet_set_up_code(&desk, cid).await;
    assert_accessible(&desk, "kiosk set-up code").await;
    desk.screenshot("kiosk-setup-code-checked").await;
    desk.assert_no_console_errors().await;
    desk.close().await;

    // The tablet's side, signed out, reached from the sign-in page.
    let tablet = env
        .browser(&Profile::new("setup-accessibility-tablet"))
        .await;
    tablet.goto(&format!("{}/#/sign-in", server.base)).await;
    tablet.click("#set-up-this-tablet").await;
    tablet.wait_for("#setup-code-input").await;
    assert_accessible(&tablet, "set up this tablet").await;
    tablet.screenshot("kiosk-setup-entry").await;
    tablet.fill("#setup-code-input", "ABC").await;
    tablet.click("#set-up-tablet").await;
    tablet.wait_for("#setup-problem").await;
    assert_accessible(&tablet, "set up this tablet with an error").await;
    tablet.screenshot("kiosk-setup-entry-error").await;
    tablet.assert_no_console_errors().await;
    tablet.close().await;

    let admin = env
        .browser(&Profile::new("devices-accessibility-admin"))
        .await;
    sign_in_admin(&admin, &server).await;
    open_devices(&admin).await;
    admin.wait_for("#all-devices .device-revoke").await;
    assert_accessible(&admin, "devices (admin)").await;
    admin.click("#all-devices .device-revoke").await;
    admin.wait_for("#revoke-confirmation").await;
    assert_accessible(&admin, "revoke confirmation").await;
    admin.click("#cancel-revoke").await;
    admin.wait_for("#all-devices").await;
    admin.assert_no_console_errors().await;
    admin.close().await;
}
