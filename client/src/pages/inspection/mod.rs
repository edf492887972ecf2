//! The Regulation 33 inspection editor: a task list of sections, check your answers, sign-off, and the manager's responses.
