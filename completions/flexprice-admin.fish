# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_flexprice_admin_global_optspecs
    string join \n profile= api-url= environment= o/output= q/quiet y/yes no-input v/verbose timeout= dry-run allow-insecure-http color= h/help V/version
end

function __fish_flexprice_admin_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_flexprice_admin_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_flexprice_admin_using_subcommand
    set -l cmd (__fish_flexprice_admin_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "keys" -d 'Create, list and revoke API keys'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "service-accounts" -d 'Create, list, rename and archive service accounts'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "sa" -d 'Create, list, rename and archive service accounts'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "roles" -d 'Inspect the roles keys and accounts can hold'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "environments" -d 'List the tenant\'s environments'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "envs" -d 'List the tenant\'s environments'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "auth" -d 'Store, check and remove the admin credential in the OS keychain'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "profile" -d 'Create, change and show profiles (API URL, environment, rotation policy); no credential is stored and no request is sent'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "keychain" -d 'Read, list and remove key secrets saved with `--store keychain`'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "whoami" -d 'Show the calling principal, its permissions, and which commands they allow'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "help" -d 'Print help for a command, or a topic: exit-codes, environment'
complete -c flexprice-admin -n "__fish_flexprice_admin_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the README\'s install steps)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "create" -d 'Mint a new API key; its secret is shown once'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "list" -d 'List API keys, newest first'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "delete" -d 'Revoke one or more API keys'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "rotate" -d 'Replace a key with a new one of the same name and owner, then revoke the old one'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "audit" -d 'Report keys that are too old, expire soon or have expired (exit 10 when any is found)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and not __fish_seen_subcommand_from create list delete rotate audit check" -f -a "check" -d 'Check a key: does it authenticate, which key is it, may it do ENTITY:ACTION (the secret is read from stdin, never from the command line)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l name -d 'Name of the key (prompted for on a terminal when missing)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l service-account -d 'Mint the key for this service account (ID or name) instead of for yourself' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l expires-in -d 'Lifetime of the key, e.g. 90d, 12h, 2w [default: 90d, or the profile\'s default_expiry]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l expires-at -d 'Expiry as an RFC 3339 time, e.g. 2027-01-31T00:00:00Z' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l store -d 'Where the secret goes, repeatable: stdout (default), keychain, file:PATH (0600, written atomically) or exec:COMMAND (the secret on its stdin). Each is checked before the key is minted and verified after' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l on-store-failure -d 'When a destination fails after minting: keep the key and leave the secret in a 0600 recovery file (exit 9), or revoke the new key' -r -f -a "keep\t'Keep the key; the secret goes to a recovery file under the state directory'
revoke\t'Revoke the new key; no secret is kept anywhere'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l no-expiry -d 'Create a key that never expires (not recommended: rotate keys every 90 days)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l publishable -d 'Mint a publishable key (pk_...), which can never authenticate API calls'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l service-account -d 'Only keys of this service account (ID or name)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l name -d 'Only keys with exactly this name' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l limit -d 'At most this many keys (the newest)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l all-environments -d 'Every environment of the tenant, not just one (needs a credential not bound to an environment: a tenant-level key or a login token)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l expires-in -d 'Lifetime of the new key [default: the old key\'s lifetime, else the profile\'s default_expiry, else 90d]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l store -d 'Where the secret goes, repeatable: stdout (default), keychain, file:PATH (0600, written atomically) or exec:COMMAND (the secret on its stdin). Each is checked before the key is minted and verified after' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l on-store-failure -d 'When a destination fails after minting: keep the key and leave the secret in a 0600 recovery file (exit 9), or revoke the new key' -r -f -a "keep\t'Keep the key; the secret goes to a recovery file under the state directory'
revoke\t'Revoke the new key; no secret is kept anywhere'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l due -d 'Rotate every key `keys audit` reports (with its --max-age and --expiring-within defaults), except other users\' keys, the key this command runs with, and keys that already have a newer key of the same name'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l keep-old -d 'Keep the old key active (revoke it yourself once every consumer has the new secret)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l max-age -d 'Keys created longer ago than this are due [default: the profile\'s max_age, else 90d, Flexprice\'s rotation guidance]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l expiring-within -d 'Keys expiring within this window are due [default: the profile\'s expiring_within, else 14d]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l service-account -d 'Only keys of this service account (ID or name)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l name -d 'Only keys with exactly this name' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l all-environments -d 'Every environment of the tenant, not just one (needs a credential not bound to an environment: a tenant-level key or a login token)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from audit" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l from-keychain -d 'Read the secret from the OS keychain entry saved by `--store keychain` under this key name, instead of stdin' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l from-file -d 'Read the secret from this file (e.g. one written by `--store file:PATH`), instead of stdin' -r -F
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l permission -d 'Also check that the key\'s roles grant this permission, e.g. event:read (exit 6 when they do not)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keys; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -f -a "create" -d 'Create a service account with fixed roles'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -f -a "list" -d 'List service accounts'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -f -a "rename" -d 'Rename a service account (its roles cannot change)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and not __fish_seen_subcommand_from create list rename delete" -f -a "delete" -d 'Archive a service account (it must have no active keys)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l name -d 'Name of the service account' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l role -d 'A role to hold: super_admin (alone), event_ingestor or event_reader; repeatable' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l allow-duplicate-name -d 'Create it even though a service account of that name exists (references by name then become ambiguous: use IDs)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l revoke-keys -d 'Revoke the account\'s active keys first, then archive it'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand service-accounts; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -f -a "create" -d 'Create a service account with fixed roles'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -f -a "list" -d 'List service accounts'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -f -a "rename" -d 'Rename a service account (its roles cannot change)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and not __fish_seen_subcommand_from create list rename delete" -f -a "delete" -d 'Archive a service account (it must have no active keys)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l name -d 'Name of the service account' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l role -d 'A role to hold: super_admin (alone), event_ingestor or event_reader; repeatable' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l allow-duplicate-name -d 'Create it even though a service account of that name exists (references by name then become ambiguous: use IDs)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l revoke-keys -d 'Revoke the account\'s active keys first, then archive it'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand sa; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -f -a "list" -d 'List roles and their permissions'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and not __fish_seen_subcommand_from list show" -f -a "show" -d 'Show one role'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l for -d 'Only roles assignable to this kind of account' -r -f -a "user\t''
service-account\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand roles; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and not __fish_seen_subcommand_from list" -f -a "list" -d 'List environments and their IDs (for --environment)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand environments; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and not __fish_seen_subcommand_from list" -f -a "list" -d 'List environments and their IDs (for --environment)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand envs; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -f -a "login" -d 'Check an admin API key against the API and store it in the OS keychain for the profile'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -f -a "status" -d 'Show where the admin credential comes from, who it is and its roles'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and not __fish_seen_subcommand_from login status logout" -f -a "logout" -d 'Remove the profile\'s admin credential from the OS keychain'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l api-key-stdin -d 'Read the API key from stdin instead of a hidden prompt'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from login" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand auth; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -f -a "set" -d 'Create the profile named by --profile, or change it: saves --api-url and --environment when given, and the settings below; stores no credential and sends no request'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -f -a "show" -d 'Show a profile\'s settings as every command reads them (defaults filled in) and where its credential would come from (the keychain is not opened)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and not __fish_seen_subcommand_from set show list" -f -a "list" -d 'List the profiles in config.toml'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l default-expiry -d 'Lifetime of new keys when no expiry flag is given (`default_expiry`)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l max-age -d 'Rotation policy: keys created longer ago than this are due (`max_age`)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l expiring-within -d 'Rotation policy: keys expiring within this window are due (`expiring_within`)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l keychain-timeout -d 'Seconds to wait for the OS keychain (`keychain_timeout`)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand profile; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -f -a "get" -d 'Print a stored key secret on stdout'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -f -a "list" -d 'List the names of the keys stored for the profile (never their secrets)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and not __fish_seen_subcommand_from get list remove" -f -a "remove" -d 'Delete a stored key secret (the key itself stays valid; revoke it with `keys delete`)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand keychain; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand whoami" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand help" -s V -l version -d 'Print version'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l out -d 'Directory to write into (created if missing); `all` writes DIR/completions and DIR/man. Without it, one completion script (--shell) or the root man page goes to stdout' -r -F
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l shell -d 'With `completions` and no --out: the shell whose script to print' -r -f -a "bash\t''
elvish\t''
fish\t''
powershell\t''
zsh\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l profile -d 'Profile from config.toml to use' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l api-url -d 'API base URL; a URL with no path gets /v1 [default: https://us.api.flexprice.io/v1]' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l environment -d 'Environment, by ID or name, sent as X-Environment-ID (needed with tenant-level keys and JWTs; a key stored in the database is bound to its own environment)' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s o -l output -d 'Output format [default: table on a terminal, plain when piped]' -r -f -a "table\t'An aligned table (the default on a terminal)'
plain\t'Tab-separated values with no header (the default when piped)'
json\t'JSON with stable snake_case fields and RFC 3339 UTC times'
jsonl\t'JSON Lines: what `json` gives, one compact object a line (a list becomes one line per item), for logs that append'"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l timeout -d 'Seconds to wait for each HTTP request' -r
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l color -d 'When to use colour' -r -f -a "auto\t''
always\t''
never\t''"
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s q -l quiet -d 'Print only IDs (or the secret), no commentary'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s y -l yes -d 'Answer yes to confirmations (needed for destructive commands off a terminal)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l no-input -d 'Never prompt; fail instead, naming the flag to pass'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s v -l verbose -d 'Trace HTTP requests on stderr (credentials redacted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l dry-run -d 'Print each request a mutating command would send, and send none'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -l allow-insecure-http -d 'Allow plain http:// to a host other than loopback (the API key would cross the network unencrypted)'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c flexprice-admin -n "__fish_flexprice_admin_using_subcommand generate" -s V -l version -d 'Print version'
