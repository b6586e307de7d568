namespace Infra.Topology.Plan;

/// <summary>
/// The longest chain of steps of an update that wait on each other: what its wall time cannot be shorter than, however
/// many steps run side by side. Steps that do not run in the update (unchanged) take no time but still order the others.
/// </summary>
public sealed record CriticalPath(IReadOnlyList<Step> Steps, double Seconds)
{
    /// <summary>
    /// Ready steps on the path: each waits until a new or replaced container is healthy (and seen UP, or back in its
    /// cluster). A restart or a graceful stop waits too when it acts; on a first deploy or a release it does not.
    /// </summary>
    public int ReadyWaits => Steps.Count(IsReadyWait);

    /// <summary>Those of them in the stateless tiers (apps, proxies, the front door, monitoring): what waves shorten.</summary>
    public int StatelessReadyWaits(Func<Step, bool> isData) => Steps.Count(s => IsReadyWait(s) && !isData(s));

    public static bool IsReadyWait(Step step) => step is CommandStep { Purpose: CommandPurpose.Ready };

    /// <summary>A first deploy: every step runs, each counting one.</summary>
    public static CriticalPath Of(IReadOnlyList<Step> steps) => Of(steps, _ => true, _ => 1);

    /// <param name="steps">The plan's steps, each after every step it waits for.</param>
    /// <param name="runs">Whether a step runs in the update (a change or a create); one that does not takes no time.</param>
    /// <param name="seconds">How long a step that runs takes.</param>
    public static CriticalPath Of(IReadOnlyList<Step> steps, Func<Step, bool> runs, Func<Step, double> seconds)
    {
        var longest = new Dictionary<string, (double Seconds, int Count, string? Via)>(StringComparer.Ordinal);
        var byId = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var cost = runs(step) ? (Seconds: seconds(step), Count: 1) : (Seconds: 0d, Count: 0);
            var before = step.DependsOn.Where(longest.ContainsKey).Select(id => (Id: id, Path: longest[id]))
                .OrderByDescending(p => p.Path.Seconds).ThenByDescending(p => p.Path.Count).FirstOrDefault();
            longest[step.Id] = before.Id is null
                ? (cost.Seconds, cost.Count, null)
                : (before.Path.Seconds + cost.Seconds, before.Path.Count + cost.Count, before.Id);
        }

        if (longest.Count == 0)
        {
            return new CriticalPath([], 0);
        }

        var end = longest.OrderByDescending(l => l.Value.Seconds).ThenByDescending(l => l.Value.Count).First();
        var path = new List<Step>();
        for (var id = end.Key; id is not null; id = longest[id].Via)
        {
            if (runs(byId[id]))
            {
                path.Add(byId[id]);
            }
        }

        path.Reverse();
        return new CriticalPath(path, end.Value.Seconds);
    }

    /// <summary>
    /// How long the update takes when at most <paramref name="parallel"/> steps run at once (`pulumi up --parallel`;
    /// Pulumi's default is four per CPU): each step starts as soon as what it waits for is done and a slot is free.
    /// </summary>
    public static double Simulate(IReadOnlyList<Step> steps, Func<Step, bool> runs, Func<Step, double> seconds, int parallel)
    {
        var done = new Dictionary<string, double>(StringComparer.Ordinal);
        var slots = new PriorityQueue<int, double>();
        for (var i = 0; i < parallel; i++)
        {
            slots.Enqueue(i, 0);
        }

        // In the plan's order, which respects every wait: a step takes the slot that frees first, once its waits are done.
        foreach (var step in steps)
        {
            var ready = step.DependsOn.Where(done.ContainsKey).Select(id => done[id]).DefaultIfEmpty(0).Max();
            if (!runs(step))
            {
                done[step.Id] = ready;
                continue;
            }

            slots.TryDequeue(out var slot, out var free);
            var start = Math.Max(ready, free);
            done[step.Id] = start + seconds(step);
            slots.Enqueue(slot, done[step.Id]);
        }

        return done.Values.DefaultIfEmpty(0).Max();
    }
}
