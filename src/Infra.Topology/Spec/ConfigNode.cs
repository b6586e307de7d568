namespace Infra.Topology.Spec;

/// <summary>Where a value was written, so errors can say line and column.</summary>
public sealed record SourceMark(int Line, int Column);

/// <summary>
/// The neutral tree both config sources are read into (a YAML stack file, or Pulumi's config values
/// where objects arrive as JSON), so one binder turns either into a spec.
/// </summary>
public abstract record ConfigNode(SourceMark? Mark);

public sealed record ScalarNode(string Value, SourceMark? Mark) : ConfigNode(Mark);

public sealed record ListNode(IReadOnlyList<ConfigNode> Items, SourceMark? Mark) : ConfigNode(Mark);

public sealed record MapNode(IReadOnlyList<KeyValuePair<string, ConfigNode>> Entries, SourceMark? Mark) : ConfigNode(Mark);
