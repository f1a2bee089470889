//! `systemuser token`: a Maskinporten token to act as a customer's system user, after the
//! customer approved. Needs a key (`--key`, `--client-id`): the component signs the grant.

use serde_json::json;

use super::output::{iso_utc, print_json};
use super::{Exit, Failure, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer organisation number
    #[arg(long, value_name = "ORGNO")]
    pub org: String,
    /// The external ref the request was created with [default: the org number]
    #[arg(long, value_name = "REF")]
    pub external_ref: Option<String>,
    /// A scope of the API to call as the system user (repeat for more)
    #[arg(long = "scope", value_name = "SCOPE", required = true)]
    pub scopes: Vec<String>,
    /// Print the token itself, alone on stdout (for a pipe); otherwise its signature is hidden
    #[arg(long)]
    pub reveal: bool,
}

pub fn run(global: &Global, args: &Args) -> Result<Exit, Failure> {
    if global.key_file().is_none() {
        return Err(Failure::usage(
            "a system-user token comes from a grant signed with the vendor's key: pass --key FILE --client-id ID (or set SYSTEMUSER_KEY_FILE and SYSTEMUSER_CLIENT_ID)",
        ));
    }
    let (_, client) = global.client()?;
    let scopes: Vec<&str> = args.scopes.iter().map(String::as_str).collect();
    let token = client.system_user_token(&args.org, args.external_ref.as_deref(), &scopes)?;
    if args.reveal {
        println!("{}", token.token.expose());
    } else if global.json {
        // ISO 8601 as every host writes times (tests/vocabulary.json), and the seconds left.
        let expires_at = iso_utc(token.expires_at);
        let expires_in = token.expires_at - now_seconds();
        print_json(
            &json!({"ok": true, "token": token.token.masked(), "scope": token.scope, "expiresAt": expires_at, "expiresIn": expires_in}),
        );
    } else {
        println!("✓ system-user token for {}: {}", args.org, token.token.masked());
        println!("  scope: {}", token.scope);
        println!("  expires in {} s (use --reveal to print the token itself)", token.expires_at - now_seconds());
    }
    Ok(Exit::Ok)
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
