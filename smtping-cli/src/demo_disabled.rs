//! `smtping demo` in a binary built without the `demo` feature: the scripted test bench
//! (`smtping-testkit`) is not compiled in, so the subcommand only says so and exits 3.

/// Arguments of `smtping demo` (accepted and ignored: the demo is not built in).
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct DemoArgs {
    /// Ignored: this binary has no demo.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub(crate) ignored: Vec<String>,
}

/// Always an error: the demo's loopback servers are not part of this binary.
pub(crate) fn run(_args: &DemoArgs) -> Result<i32, String> {
    Err(
        "this smtping was built without the `demo` feature (no built-in test servers); \
         rebuild with the default features to get the demo"
            .to_owned(),
    )
}
