using System.Text.Encodings.Web;
using System.Text.Json;

namespace Infra.Topology.Plan;

/// <summary>
/// JSON as the plan's scripts send it to CrateDB's /_sql endpoint, made by a JSON encoder, never by pasting text
/// between quotes: whatever a statement or a name holds (a quote, a backslash, a line break), it stays one string.
/// </summary>
public static class JsonText
{
    // Escapes only what JSON requires (quotes, backslashes, control characters), as CrateDB writes its own answers: a
    // name looked for in an answer is found as written there.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON string literal, quotes included.</summary>
    public static string String(string value) => JsonSerializer.Serialize(value, Options);

    /// <summary>A request body: the statement, and its parameters when it has any (`?` in the statement).</summary>
    public static string Body(string statement, params string[] args) =>
        args.Length == 0
            ? $"{{\"stmt\":{String(statement)}}}"
            : $"{{\"stmt\":{String(statement)},\"args\":[{string.Join(',', args.Select(String))}]}}";
}

/// <summary>SQL text made from values the plan interpolates.</summary>
public static class Sql
{
    /// <summary>A SQL string literal: the value between single quotes, each quote in it doubled.</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
