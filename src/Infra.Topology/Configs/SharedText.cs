using System.Runtime.CompilerServices;
using Infra.Topology.Model;

namespace Infra.Topology.Configs;

/// <summary>
/// Text made from a list of instances, kept per topology and kind: a role-level wire gives every instance of a role
/// the same list (every haproxy lists every app, below the subsetting threshold), so a stack of N hosts formats it once,
/// not once per file (N^2).
/// </summary>
internal static class SharedText
{
    private sealed record Entry(Instance[] Instances, string Text);

    private static readonly ConditionalWeakTable<StackTopology, System.Collections.Concurrent.ConcurrentDictionary<string, Entry>> Memos = new();

    /// <summary>The text <paramref name="make"/> gives for these instances, made again only for a different list.</summary>
    public static string For(StackTopology topology, string kind, IReadOnlyList<Instance> instances, Func<IReadOnlyList<Instance>, string> make)
    {
        var memo = Memos.GetValue(topology, _ => new(StringComparer.Ordinal));
        if (memo.TryGetValue(kind, out var entry) && Same(entry.Instances, instances))
        {
            return entry.Text;
        }

        var text = make(instances);
        memo[kind] = new Entry(instances.ToArray(), text);
        return text;
    }

    private static bool Same(Instance[] kept, IReadOnlyList<Instance> instances)
    {
        if (kept.Length != instances.Count)
        {
            return false;
        }

        for (var i = 0; i < kept.Length; i++)
        {
            if (!ReferenceEquals(kept[i], instances[i]))
            {
                return false;
            }
        }

        return true;
    }
}
