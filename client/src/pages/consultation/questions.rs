//! Editing a consultation's question list, and what stops it opening: pure, unit-tested.

use hearth_shared::model::{Consultation, Question, QuestionType, Record};
use hearth_shared::rules::validate_record;

use crate::pages::inspection::form::Problem;

/// The words shown for each question type.
pub fn type_label(t: QuestionType) -> &'static str {
    match t {
        QuestionType::EmojiScale => "Faces scale (very sad to very happy)",
        QuestionType::YesNoNotSure => "Yes, no or not sure",
        QuestionType::SingleChoice => "Choose one option",
        QuestionType::MultipleChoice => "Choose any options",
        QuestionType::FreeText => "Write an answer",
    }
}

/// Whether answers to this type pick from the question's own options.
pub fn has_options(t: QuestionType) -> bool {
    matches!(t, QuestionType::SingleChoice | QuestionType::MultipleChoice)
}

/// Appends a question of type `t` with id `id` (a fresh random id: answers refer to it). Choice
/// questions start with two empty options to fill in.
pub fn add_question(c: &mut Consultation, t: QuestionType, id: &str) {
    let mut q = Question::new(id, t, "");
    set_type(&mut q, t);
    c.questions.push(q);
}

/// Changes a question's type, keeping options only where the new type uses them. A comparison
/// figure is dropped: the answer it was for belongs to the old type.
pub fn set_type(q: &mut Question, t: QuestionType) {
    if q.question_type != t {
        q.comparison = None;
    }
    q.question_type = t;
    if has_options(t) {
        while q.options.len() < 2 {
            q.options.push(String::new());
        }
    } else {
        q.options.clear();
    }
}

/// Moves question `index` one place up (`up`) or down; does nothing at either end.
pub fn move_question(c: &mut Consultation, index: usize, up: bool) {
    let other = if up {
        index.checked_sub(1)
    } else {
        Some(index + 1)
    };
    if let Some(other) = other
        && index < c.questions.len()
        && other < c.questions.len()
    {
        c.questions.swap(index, other);
    }
}

/// What stops the consultation opening, each pointing at the field to fix.
///
/// The same rules as the schema's "once open" checks, in words a worker can act on; the schema
/// check itself backs them up.
pub fn open_problems(c: &Consultation) -> Vec<Problem> {
    let mut problems = Vec::new();
    if c.title.trim().is_empty() {
        problems.push(Problem::new("consultation-title", "Enter a title"));
    }
    if c.questions.is_empty() {
        problems.push(Problem::new("add-question", "Add at least one question"));
    }
    for (i, q) in c.questions.iter().enumerate() {
        let n = i + 1;
        if q.prompt.trim().is_empty() {
            problems.push(Problem::new(
                &format!("question-{i}-prompt"),
                &format!("Write question {n}"),
            ));
        }
        if has_options(q.question_type) {
            let filled: Vec<&str> = q.options.iter().map(|o| o.trim()).collect();
            if filled.len() < 2 || filled.iter().any(|o| o.is_empty()) {
                problems.push(Problem::new(
                    &format!("question-{i}-option-0"),
                    &format!("Question {n} needs at least two options, none of them empty"),
                ));
            } else if (1..filled.len()).any(|j| filled[..j].contains(&filled[j])) {
                problems.push(Problem::new(
                    &format!("question-{i}-option-0"),
                    &format!("Question {n} has the same option twice"),
                ));
            }
        }
    }
    if problems.is_empty()
        && let Err(rejection) = validate_record(&Record::Consultation(opened(c)))
    {
        problems.push(Problem::new(
            "consultation-title",
            &format!("The consultation cannot open yet: {}", rejection.message()),
        ));
    }
    problems
}

/// The consultation taking answers. Options are trimmed first, so what young people see is
/// exactly what their answers will say.
pub fn opened(c: &Consultation) -> Consultation {
    let mut next = c.clone();
    for q in &mut next.questions {
        for o in &mut q.options {
            *o = o.trim().to_string();
        }
    }
    next.state = hearth_shared::model::WorkflowState::Open;
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_shared::model::WorkflowState;
    use hearth_shared::permissions::{Actor, Role};
    use hearth_shared::rules::check_change;

    fn consultation() -> Consultation {
        Consultation::new("worker-1", "Food at home", 1_790_000_000_000)
    }

    #[test]
    fn a_new_choice_question_has_two_options_to_fill_and_other_types_none() {
        let mut c = consultation();
        add_question(&mut c, QuestionType::SingleChoice, "q1");
        add_question(&mut c, QuestionType::EmojiScale, "q2");
        assert_eq!(c.questions[0].options, ["", ""]);
        assert!(c.questions[1].options.is_empty());
        c.questions[0].comparison = Some(hearth_shared::model::Comparison {
            source: "National survey 2025".into(),
            option: "Pizza".into(),
            percent: 40,
        });
        set_type(&mut c.questions[0], QuestionType::SingleChoice);
        assert!(c.questions[0].comparison.is_some(), "the same type: kept");
        set_type(&mut c.questions[0], QuestionType::FreeText);
        assert!(c.questions[0].options.is_empty());
        assert_eq!(c.questions[0].comparison, None);
    }

    #[test]
    fn questions_move_within_the_list_only() {
        let mut c = consultation();
        for id in ["a", "b", "c"] {
            add_question(&mut c, QuestionType::FreeText, id);
        }
        move_question(&mut c, 0, true);
        move_question(&mut c, 2, false);
        move_question(&mut c, 1, true);
        let ids: Vec<&str> = c.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "c"]);
    }

    #[test]
    fn an_unfinished_consultation_cannot_open() {
        let mut c = consultation();
        c.title = " ".into();
        let targets: Vec<String> = open_problems(&c).into_iter().map(|p| p.target).collect();
        assert_eq!(targets, ["consultation-title", "add-question"]);

        let mut c = consultation();
        add_question(&mut c, QuestionType::MultipleChoice, "q1");
        c.questions[0].prompt = "Which meals do you eat at home?".into();
        c.questions[0].options = vec!["Tea".into(), "Tea ".into()];
        assert_eq!(
            open_problems(&c)[0].message,
            "Question 1 has the same option twice"
        );
    }

    #[test]
    fn opening_a_finished_consultation_is_a_move_the_server_accepts() {
        let mut c = consultation();
        add_question(&mut c, QuestionType::SingleChoice, "q1");
        c.questions[0].prompt = "Favourite tea?".into();
        c.questions[0].options = vec!["Pizza ".into(), "Curry".into()];
        assert!(open_problems(&c).is_empty());
        let open = opened(&c);
        assert_eq!(open.state, WorkflowState::Open);
        assert_eq!(open.questions[0].options, ["Pizza", "Curry"]);
        let worker = Actor {
            user_id: "worker-1".into(),
            role: Role::ParticipationWorker,
            homes: vec![],
        };
        let result = check_change(
            Some(&Record::Consultation(c)),
            &Record::Consultation(open),
            &worker,
        );
        assert!(result.is_ok(), "{result:?}");
    }
}
