using System.Text.RegularExpressions;

namespace Infra.Topology.Spec;

/// <summary>
/// Secrets never enter the core as values. A file or a command's stdin that needs one carries its placeholder
/// (<c>{{secret microblog:cratePassword}}</c>); whoever runs the step fills it in at the last moment: the Pulumi
/// program from the stack's secret config (the result stays a secret output, encrypted in the state), the lab from
/// its own password. `infra render`, `infra plan` and `infra diff` print the placeholder and say where the value
/// comes from.
/// </summary>
public static partial class Secrets
{
    /// <summary>The app's CrateDB password: `pulumi config set --secret microblog:cratePassword`.</summary>
    public const string CratePasswordKey = "microblog:cratePassword";

    public const int MinPasswordLength = 16;

    public const int MaxPasswordLength = 128;

    public static string Placeholder(string key) => $"{{{{secret {key}}}}}";

    /// <summary>
    /// The placeholder of a secret that goes into JSON: the runner fills in a JSON string literal (quotes included),
    /// escaped by a JSON encoder, so any value stays one string.
    /// </summary>
    public static string JsonPlaceholder(string key) => $"{{{{secret-json {key}}}}}";

    public static string SetCommand(string key) => $"pulumi config set --secret {key} <value>";

    /// <summary>What `pulumi up` says when a stack with CrateDB nodes has no password set.</summary>
    public static string Missing(string key) =>
        $"{key}: not set: the apps connect to CrateDB with it; run `{SetCommand(key)}`";

    /// <summary>A program error: a step needs a secret the program did not read from the stack's config.</summary>
    public static string NotRead(string step, string key) => $"{step} needs the secret {key}, which the program did not read";

    /// <summary>Where a placeholder's value comes from, in one sentence for `infra render`, `plan` and `diff`.</summary>
    public static string Explain(string key) =>
        $"{Placeholder(key)} stands for the stack's secret {key} ({SetCommand(key)}): `pulumi up` fills it in and keeps it encrypted in the state; it is never printed";

    /// <summary>The secret keys whose placeholders <paramref name="text"/> carries, in order of first use.</summary>
    public static IReadOnlyList<string> KeysIn(string? text) =>
        text is null ? [] : PlaceholderPattern().Matches(text).Select(m => m.Groups["key"].Value).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// <paramref name="text"/> as its pieces: the text between placeholders (<c>Key</c> null) and each placeholder's key,
    /// in order (empty texts left out).
    /// </summary>
    public static IReadOnlyList<(string Text, string? Key)> Split(string text)
    {
        var pieces = new List<(string Text, string? Key)>();
        var at = 0;
        foreach (Match match in PlaceholderPattern().Matches(text))
        {
            if (match.Groups["json"].Success)
            {
                throw new ArgumentException("a JSON placeholder is filled by the runner, not split", nameof(text));
            }

            if (match.Index > at)
            {
                pieces.Add((text[at..match.Index], null));
            }

            pieces.Add((match.Value, match.Groups["key"].Value));
            at = match.Index + match.Length;
        }

        if (at < text.Length)
        {
            pieces.Add((text[at..], null));
        }

        return pieces;
    }

    /// <summary>Replaces every placeholder in <paramref name="text"/>; a placeholder without a value is an error.</summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        PlaceholderPattern().Replace(text, m => values.TryGetValue(m.Groups["key"].Value, out var value)
            ? m.Groups["json"].Success ? Plan.JsonText.String(value) : value
            : throw new InvalidOperationException($"no value for the secret {m.Groups["key"].Value}: {SetCommand(m.Groups["key"].Value)}"));

    /// <summary>
    /// The password's grammar: printable ASCII without quotes, backslash or space, <see cref="MinPasswordLength"/> to
    /// <see cref="MaxPasswordLength"/> characters, so it is one word in app.conf and a plain JSON string. The message
    /// never repeats the value.
    /// </summary>
    public static string? CheckPassword(string value) =>
        value.Length is >= MinPasswordLength and <= MaxPasswordLength && PasswordPattern().IsMatch(value)
            ? null
            : $"{CratePasswordKey} is not a usable password ({value.Length} characters): use {MinPasswordLength} to {MaxPasswordLength} printable ASCII characters without quotes, backslash or spaces, e.g. from `openssl rand -base64 24`, and set it with `{SetCommand(CratePasswordKey)}`";

    [GeneratedRegex(@"\{\{secret(?<json>-json)? (?<key>[a-z][A-Za-z0-9]*:[A-Za-z][A-Za-z0-9.]*)\}\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^[!#-&(-\[\]-~]+$")]
    private static partial Regex PasswordPattern();
}
