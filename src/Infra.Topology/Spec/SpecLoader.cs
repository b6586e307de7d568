namespace Infra.Topology.Spec;

/// <summary>What loading a stack gives: the spec when no error stands, and every diagnostic found.</summary>
public sealed record LoadResult(StackSpec? Spec, EquatableArray<Diagnostic> Diagnostics)
{
    public bool Ok => Spec is not null;

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}

/// <summary>
/// The one loader: a stack file read from disk, a stack file's text (e.g. from git), or the config
/// values Pulumi hands the program all go through the same binder and the same checks.
/// </summary>
public static class SpecLoader
{
    public static LoadResult LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, $"cannot read the stack file: {e.Message}");
        }

        return LoadYaml(text, path, ConfigSources.StackNameOf(path));
    }

    public static LoadResult LoadYaml(string text, string file, string stack)
    {
        var (entries, errors) = ConfigSources.FromYaml(text, file);
        return errors.Count > 0 ? new LoadResult(null, errors.ToEquatableArray()) : Bind(entries, file, stack);
    }

    /// <summary>
    /// Pulumi config values (`microblog:hosts` -> JSON text) for stack <paramref name="stack"/>. A value may be the
    /// placeholder of one of <paramref name="deferred"/>: a value known only at deploy time.
    /// </summary>
    public static LoadResult LoadPulumiConfig(IReadOnlyDictionary<string, string> values, string stack, string? source = null, IReadOnlyList<DeferredValue>? deferred = null)
    {
        var file = source ?? $"stacks/Pulumi.{stack}.yaml";
        var (entries, errors) = ConfigSources.FromPulumiConfig(values, file);
        return errors.Count > 0 ? new LoadResult(null, errors.ToEquatableArray()) : Bind(entries, file, stack, deferred ?? []);
    }

    private static LoadResult Bind(IReadOnlyList<KeyValuePair<string, ConfigNode>> entries, string file, string stack, IReadOnlyList<DeferredValue>? deferred = null)
    {
        var binder = new SpecBinder(file);
        var (bound, layoutKnown) = binder.Bind(stack, entries);
        var declared = binder.Deferred.Concat(deferred ?? []).ToList();
        var spec = declared.Count > 0 ? bound with { Deferred = declared.ToEquatableArray() } : bound;
        var checks = SpecValidator.Check(spec, layoutKnown, binder.Explicit).Select(d => Locate(d, binder.Marks));
        var diagnostics = binder.Diagnostics.Concat(checks).Distinct().ToEquatableArray();
        return new LoadResult(diagnostics.Any(d => d.IsError) ? null : spec, diagnostics);
    }

    /// <summary>The line of the key a check names, or of the nearest key above it (`hosts[1].instances` -> `hosts[1]`).</summary>
    private static Diagnostic Locate(Diagnostic diagnostic, IReadOnlyDictionary<string, SourceMark> marks)
    {
        for (var path = diagnostic.KeyPath; path.Length > 0; path = Parent(path))
        {
            if (marks.TryGetValue(path, out var mark))
            {
                return diagnostic with { Line = mark.Line, Column = mark.Column };
            }
        }

        return diagnostic;
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut > 0 ? path[..cut] : "";
    }

    private static LoadResult Failed(string file, string message) =>
        new(null, new[] { new Diagnostic(Severity.Error, file, "", message) }.ToEquatableArray());
}
