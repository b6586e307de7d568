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
    /// The URN a resource answers to in a stack deployed before: its last alias's (the oldest name, under the same
    /// parent), worked out as the engine does for an alias with a name only; else its own.
    /// </summary>
    public static string UrnThroughAlias(Deployed deployed, Declared resource)
    {
        var aliases = resource.Options.Aliases;
        if (aliases.Count == 0)
        {
            return Urn(deployed, resource);
        }

        return $"urn:pulumi:{deployed.StackName}::{Deploy.Project}::{QualifiedType(deployed, resource)}::{AliasNames(resource)[^1]}";
    }

    /// <summary>The names a resource answers to besides its own, in the order of its aliases; each alias a name only.</summary>
    public static IReadOnlyList<string> AliasNames(Declared resource) => resource.Options.Aliases.Select(a =>
    {
        var alias = a.ToOutput().GetValueAsync().GetAwaiter().GetResult();
        Assert.True(alias.Type is null && alias.Parent is null && alias.ParentUrn is null && !alias.NoParent && alias.Urn is null, $"{resource.Name}: an alias with more than a name");
        return alias.Name!.ToOutput().GetValueAsync().GetAwaiter().GetResult();
    }).ToList();

    /// <summary>
    /// One block per resource, sorted by the URN it answers to (through its alias): the URN, then each input on a line
    /// of its own (canonical JSON; a file's content as the file reads), so the diff of a changed input is one line. A
    /// component's inputs are its args, which no provider acts on: they are left out.
    /// </summary>
    public static string Render(Deployed deployed)
    {
        var inputs = deployed.Inputs;
        var text = new StringBuilder()
            .Append($"# {deployed.StackName}: every resource `pulumi up` registers, by URN, with its inputs (the secret is the tests' own).\n")
            .Append("# A change here is a change to deployed resources: review it. Rewrite with UPDATE_GOLDEN=1.\n");
        foreach (var (urn, resource) in deployed.Declared.Select(d => (UrnThroughAlias(deployed, d), d)).OrderBy(r => r.Item1, StringComparer.Ordinal))
        {
            text.Append(urn).Append('\n');
            if (resource.Resource is ComponentResource)
            {
                continue;
            }

            foreach (var (key, value) in JsonNode.Parse(inputs[resource.Name])!.AsObject())
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
