using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pulumi;

namespace Infra.Tests.Support;

/// <summary>
/// What the engine keeps of a deployment: each resource's URN and the inputs it was registered with. The URN is the
/// engine's (`urn:pulumi:&lt;stack&gt;::&lt;project&gt;::&lt;parent types$...&gt;$&lt;type&gt;::&lt;name&gt;`), worked out from the declared
/// tree: the mock monitor's own URN keeps only the first type of a parent's chain.
/// </summary>
public static class Registered
{
    // Quotes and shell characters as they are: the scripts read as they run.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Urn(Deployed deployed, Declared resource) =>
        $"urn:pulumi:{deployed.StackName}::{Deploy.Project}::{QualifiedType(deployed, resource)}::{resource.Name}";

    /// <summary>The resource's type after its parents' types, the root stack left out, as the engine writes it in a URN.</summary>
    public static string QualifiedType(Deployed deployed, Declared resource) =>
        resource.Parent is null or Stack ? resource.Type : $"{QualifiedType(deployed, deployed.Of(resource.Parent))}${resource.Type}";

    /// <summary>
    /// One block per resource, sorted by URN: the URN, then each input on a line of its own (canonical JSON), so the
    /// diff of a changed input is one line.
    /// </summary>
    public static string Render(Deployed deployed)
    {
        var inputs = deployed.Inputs;
        var text = new StringBuilder()
            .Append($"# {deployed.StackName}: every resource `pulumi up` registers, by URN, with its inputs (the secret is the tests' own).\n")
            .Append("# A change here is a change to deployed resources: review it. Rewrite with UPDATE_GOLDEN=1.\n");
        foreach (var (urn, name) in deployed.Declared.Select(d => (Urn(deployed, d), d.Name)).OrderBy(r => r.Item1, StringComparer.Ordinal))
        {
            text.Append(urn).Append('\n');
            foreach (var (key, value) in JsonNode.Parse(inputs[name])!.AsObject())
            {
                text.Append("  ").Append(key).Append(':');
                if (value is JsonValue scalar && scalar.TryGetValue<string>(out var multiline) && multiline.Contains('\n', StringComparison.Ordinal))
                {
                    // A file's content (stdin) as the file reads, each line indented under its key.
                    text.Append(" |\n");
                    foreach (var line in multiline.Split('\n'))
                    {
                        text.Append("    ").Append(line).Append('\n');
                    }

                    continue;
                }

                text.Append(' ').Append(value?.ToJsonString(Readable) ?? "null").Append('\n');
            }
        }

        return text.ToString();
    }
}
