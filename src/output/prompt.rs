//! Questions on the terminal (dialoguer), asked only when [`Output::interactive`]: a yes/no
//! confirmation, a choice among items, a line of text. Everything the question shows may come
//! from the server, so it is made [`terminal_safe`] first.

use super::{Output, terminal_safe};
use crate::error::{CommandError, CommandResult};

impl Output {
    /// Asks a yes/no question (default no). Off a terminal it fails, naming `flag`, instead of
    /// blocking a script.
    pub fn confirm(&self, question: &str, flag: &str) -> CommandResult<bool> {
        if !self.interactive {
            return Err(CommandError::usage(format!(
                "refusing to continue without confirmation: {question}"
            ))
            .hint(format!(
                "pass {flag} to confirm (prompts are only shown on a terminal without --no-input)"
            )));
        }
        Ok(dialoguer::Confirm::new()
            .with_prompt(terminal_safe(question))
            .default(false)
            .interact()?)
    }

    /// Asks the user to pick one of `items`; `None` when they cancel (Esc or q).
    pub fn select(&self, question: &str, items: &[String]) -> CommandResult<Option<usize>> {
        if !self.interactive {
            return Err(CommandError::usage(format!(
                "cannot ask off a terminal: {question}"
            )));
        }
        let items: Vec<_> = items.iter().map(|i| terminal_safe(i)).collect();
        Ok(dialoguer::Select::new()
            .with_prompt(terminal_safe(question))
            .items(&items)
            .default(0)
            .interact_opt()?)
    }

    /// Asks for a line of text until `check` accepts it.
    pub fn input(
        &self,
        prompt: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> CommandResult<String> {
        if !self.interactive {
            return Err(CommandError::usage(format!(
                "cannot ask off a terminal: {prompt}"
            )));
        }
        Ok(dialoguer::Input::new()
            .with_prompt(terminal_safe(prompt))
            .validate_with(|input: &String| check(input))
            .interact_text()?)
    }
}
