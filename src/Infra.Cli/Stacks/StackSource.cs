using Infra.Topology;
using System.Text;
using Infra.Topology.Model;
using Infra.Topology.Spec;

namespace Infra.Cli.Stacks;

/// <summary>
/// A stack file's text and where it came from. <see cref="File"/> is what diagnostics print
/// (`stacks/Pulumi.two-host.yaml`, `stacks/Pulumi.two-host.yaml@HEAD~1`).
/// </summary>
public sealed record StackSource(string Argument, string Stack, string File, byte[] Bytes)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Loads the spec with the core's one loader; undecodable bytes are a diagnostic like any other.</summary>
    public LoadResult Load()
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(Bytes);
        }
        catch (DecoderFallbackException e)
        {
            var diagnostic = new Diagnostic(Severity.Error, File, "", $"not UTF-8 text (invalid byte at offset {e.Index}): a stack file is YAML, saved as UTF-8");
            return new LoadResult(null, new[] { diagnostic }.ToEquatableArray());
        }

        return SpecLoader.LoadYaml(text.TrimStart('\uFEFF'), File, Stack);
    }
}

/// <summary>A loaded, valid stack: its spec's topology, and the warnings the loader reported.</summary>
public sealed record LoadedStack(StackSource Source, StackTopology Topology, IReadOnlyList<Diagnostic> Warnings)
{
    public string Stack => Source.Stack;
}
