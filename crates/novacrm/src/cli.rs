//! The command line of DESIGN.md §6. Each subcommand parses its input, calls one function,
//! and reports failure as one line on stderr with a non-zero exit code, never a panic.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use scheduling::scenario::{Scenario, slots_json};

use crate::config::Config;
use crate::services::host;
use crate::startup::Application;
use crate::store::Store;

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

#[derive(Debug, Args)]
pub struct Database {
    /// Database URL: `sqlite://path` (created if missing) or `postgres://…`
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/novacrm.db",
        global = true
    )]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the booking pages and the API.
    Serve {
        #[arg(long, env = "NOVACRM_LISTEN", default_value = "127.0.0.1:3000")]
        listen: String,
        #[command(flatten)]
        database: Database,
        /// Base URL of links in emails and pages (default: http:// + the listen address).
        #[arg(long, env = "NOVACRM_PUBLIC_URL")]
        public_url: Option<String>,
        /// Add a demo host (jane) with meeting types when the database is empty.
        #[arg(long)]
        demo: bool,
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
    /// Read a scenario (JSON) on stdin and print the free slots (DESIGN.md §5).
    Slots,
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
            Command::Serve {
                listen,
                database,
                public_url,
                demo,
            } => {
                let config = Config {
                    listen,
                    database_url: database.database_url,
                    public_url,
                    demo,
                };
                let app = Application::build(config)
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
                let store = Store::connect(&database.database_url)
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
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                let created =
                    host::create_host(&store, &username, &name, &email, &password, now).await;
                store.close().await;
                let created = created.map_err(|e| describe(&e))?;
                println!("created host {} ({})", created.username, created.email);
                Ok(())
            }
            Command::Token {
                command: TokenCommand::Create { username, database },
            } => {
                let store = Store::connect(&database.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                let result = async {
                    let host = store
                        .host_by_username(&username)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("no host named {username:?}"))?;
                    host::create_token(&store, &host, now)
                        .await
                        .map_err(|e| describe(&e))
                }
                .await;
                store.close().await;
                println!("{}", result?);
                Ok(())
            }
            Command::Slots => unreachable!("handled without a runtime"),
        }
    })
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
