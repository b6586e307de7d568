using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Infra.Cli.Output;

/// <summary>`--json` output: camelCase keys, kebab-case enum values, every key always present (null when unknown), indented.</summary>
public static class Json
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        // Config text and diffs are full of <, > and quotes; scripts parse JSON, they do not embed it in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<T>(TextWriter output, T value)
    {
        output.Write(JsonSerializer.Serialize(value, Options));
        output.Write('\n');
    }
}
