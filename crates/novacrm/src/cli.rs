//! The command line of docs/DESIGN.md §6. Each subcommand parses its input, calls one function,
//! and reports failure as one line on stderr with a non-zero exit code, never a panic.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use scheduling::scenario::{Scenario, slots_json};

use crate::config::{Config, Database};
use crate::services::accounts;
use crate::startup::Application;
use crate::store::{JobFilter, Store};

#[derive(Debug, Parser)]
#[command(
    name = "novacrm",
    version,
    about = "NovaCRM scheduling: booking links for CRM users"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the booking pages and the API.
    Serve {
        #[command(flatten)]
        config: Box<Config>,
    },
    /// Run the database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: Database,
    },
    /// Manage hosts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Read a scenario (JSON) on stdin and print the free slots (docs/DESIGN.md §5).
    Slots,
    /// The outbox: list pending and failed jobs, or retry a failed one.
    Jobs {
        #[command(subcommand)]
        command: Option<JobsCommand>,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Pending and failed jobs, oldest due first (the default).
    List,
    /// Put a failed job back in the queue, due now.
    Retry { id: String },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a host; the password comes from `NOVACRM_PASSWORD` or a prompt.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        database: Database,
    },
    /// Let a host locked out by failed log-ins try again at once (forgets the account's
    /// failures from every network).
    Unlock {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a host and print it (one line).
    Create {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        database: Database,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Slots => slots(),
        command => run_async(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_async(command: Command) -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let now = jiff::Timestamp::now();
        match command {
            Command::Serve { config } => {
                let demo = config.demo;
                let app = Application::build(*config)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("NovaCRM listening on http://{}", app.address());
                if demo {
                    println!("Demo booking link: {}/book/jane", app.public_url());
                    println!(
                        "Demo booking API:  {}/api/public/booking/jane",
                        app.public_url()
                    );
                }
                app.run_until_stopped().await.map_err(|e| e.to_string())
            }
            Command::Migrate { database } => {
                let store = Store::connect(&database.url)
                    .await
                    .map_err(|e| e.to_string())?;
                store.close().await;
                println!("migrations applied");
                Ok(())
            }
            Command::User {
                command:
                    UserCommand::Create {
                        username,
                        name,
                        email,
                        database,
                    },
            } => {
                let password = password()?;
                let store = Store::connect(&database.url)
                    .await
                    .map_err(|e| e.to_string())?;
                let created =
                    accounts::create_host(&store, &username, &name, &email, &password, None, now)
                        .await;
                store.close().await;
                let created = created.map_err(|e| describe(&e))?;
                println!("created host {} ({})", created.username, created.email);
                Ok(())
            }
            Command::User {
                command: UserCommand::Unlock { username, database },
            } => {
                let store = Store::connect(&database.url)
                    .await
                    .map_err(|e| e.to_string())?;
                let forgotten = accounts::unlock(&store, &username).await;
                store.close().await;
                let forgotten = forgotten.map_err(|e| describe(&e))?;
                println!("{username} may log in again ({forgotten} failed attempts forgotten)");
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Create { username, database },
            } => {
                let store = Store::connect(&database.url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = async {
                    let host = store
                        .host_by_username(&username)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no host named {username:?}"))?;
                    accounts::create_token(&store, &host, now)
                        .await
                        .map_err(|e| describe(&e))
                }
                .await;
                store.close().await;
                println!("{}", result?);
                Ok(())
            }
            Command::Jobs { command, database } => {
                let store = Store::connect(&database.url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = jobs(&store, command.unwrap_or(JobsCommand::List), now).await;
                store.close().await;
                result
            }
            Command::Slots => unreachable!("handled without a runtime"),
        }
    })
}

/// `novacrm jobs [list|retry ID]`.
async fn jobs(store: &Store, command: JobsCommand, now: jiff::Timestamp) -> Result<(), String> {
    match command {
        JobsCommand::List => {
            let jobs = store
                .jobs(None, JobFilter::Open, 1000)
                .await
                .map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            let write = |out: &mut std::io::StdoutLock<'_>, line: String| {
                writeln!(out, "{line}").map_err(|e| format!("cannot write: {e}"))
            };
            write(
                &mut out,
                "id\tkind\tstate\tdue\tattempts\tlast error".into(),
            )?;
            for job in &jobs {
                let state = if job.failed_at.is_some() {
                    "failed"
                } else {
                    "pending"
                };
                write(
                    &mut out,
                    format!(
                        "{}\t{}\t{state}\t{}\t{}\t{}",
                        job.id,
                        job.kind,
                        job.run_at,
                        job.attempts,
                        job.last_error.as_deref().unwrap_or("")
                    ),
                )?;
            }
            Ok(())
        }
        JobsCommand::Retry { id } => {
            let retried = store
                .retry_job(&id, None, scheduling::Instant::from(now))
                .await
                .map_err(|e| e.to_string())?;
            if retried {
                println!("job {id} is queued again");
                Ok(())
            } else {
                Err(format!(
                    "no failed job with id {id:?} (see `novacrm jobs list`)"
                ))
            }
        }
    }
}

fn describe(e: &crate::services::ServiceError) -> String {
    match e {
        crate::services::ServiceError::Invalid(errors) => errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn password() -> Result<String, String> {
    if let Ok(p) = std::env::var("NOVACRM_PASSWORD") {
        return Ok(p);
    }
    eprint!("Password: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `novacrm slots`: scenario on stdin, `{"slots":[…]}` on stdout.
fn slots() -> Result<(), String> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("cannot read the scenario from stdin: {e}"))?;
    let scenario = Scenario::parse(&input).map_err(|e| e.to_string())?;
    let out = slots_json(&scenario.slots());
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{out}").map_err(|e| format!("cannot write the slots: {e}"))
}
