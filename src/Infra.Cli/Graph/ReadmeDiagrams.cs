using System.Text.RegularExpressions;

namespace Infra.Cli.Graph;

/// <summary>
/// The README's stack diagrams live between `&lt;!-- graph:STACK --&gt;` and `&lt;!-- /graph:STACK --&gt;`;
/// this fills them from the stacks, so a diagram can only be out of date until the next update.
/// </summary>
public static partial class ReadmeDiagrams
{
    public const string FileName = "README.md";

    public sealed record Result(string Text, IReadOnlyList<string> Stale, IReadOnlyList<string> Missing, IReadOnlyList<string> Unknown);

    public static string Block(string mermaid) => $"```mermaid\n{mermaid}```\n";

    public static string Start(string stack) => $"<!-- graph:{stack} -->";

    public static string End(string stack) => $"<!-- /graph:{stack} -->";

    /// <summary>
    /// The README with every block rewritten from <paramref name="diagramOf"/>; which blocks changed, which
    /// stacks have no block, and which blocks name no stack.
    /// </summary>
    public static Result Update(string readme, IReadOnlyList<string> stacks, Func<string, string> diagramOf)
    {
        var stale = new List<string>();
        var unknown = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var text = BlockPattern().Replace(readme, match =>
        {
            var stack = match.Groups["stack"].Value;
            seen.Add(stack);
            if (!stacks.Contains(stack))
            {
                unknown.Add(stack);
                return match.Value;
            }

            var body = Block(diagramOf(stack));
            if (Normalize(match.Groups["body"].Value) != body)
            {
                stale.Add(stack);
            }

            return $"{Start(stack)}\n{body}{End(stack)}";
        });
        var missing = stacks.Where(s => !seen.Contains(s)).ToList();
        return new Result(text, stale, missing, unknown);
    }

    private static string Normalize(string body) => body.Replace("\r\n", "\n").TrimStart('\n');

    [GeneratedRegex(@"<!-- graph:(?<stack>[A-Za-z0-9_.-]+) -->\r?\n(?<body>.*?)<!-- /graph:\k<stack> -->", RegexOptions.Singleline)]
    private static partial Regex BlockPattern();
}
