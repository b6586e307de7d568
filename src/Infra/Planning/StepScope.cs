using System.Collections.Immutable;
using Pulumi;

namespace Infra.Planning;

/// <summary>
/// The steps one component tree makes, by plan id. A step waits for the resources of the steps in its After list
/// through outputs that resolve when those resources are made, so each component makes its own children in any order
/// and the waits still cross components (the rollout across hosts). A wait on a step outside the scope (a component
/// made alone) is not this scope's to order.
/// </summary>
internal sealed class StepScope(IEnumerable<string> ids)
{
    private readonly Dictionary<string, TaskCompletionSource<Resource>> _steps = ids.ToDictionary(
        id => id, _ => new TaskCompletionSource<Resource>(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);

    public bool Contains(string id) => _steps.ContainsKey(id);

    public void Made(string id, Resource resource) => _steps[id].SetResult(resource);

    /// <summary>The resource of a step made already (the host's engine, for the images made after it).</summary>
    public Resource? MadeAlready(string id) =>
        _steps.TryGetValue(id, out var made) && made.Task.IsCompletedSuccessfully ? made.Task.Result : null;

    /// <summary>The resource of a step in the scope, once it is made.</summary>
    public Output<Resource>? Resource(string id) => _steps.TryGetValue(id, out var made) ? Output.Create(made.Task) : null;

    /// <summary>
    /// The resources of the steps in the scope that <paramref name="after"/> names, in its order. Always a known output:
    /// the SDK drops the dependencies an unknown DependsOn output would name.
    /// </summary>
    public Output<ImmutableArray<Resource>> Waits(IEnumerable<string> after)
    {
        var tasks = after.Where(Contains).Select(id => _steps[id].Task).ToList();
        return Output.Create(All(tasks));

        static async Task<ImmutableArray<Resource>> All(List<Task<Resource>> tasks) => [.. await Task.WhenAll(tasks).ConfigureAwait(false)];
    }

    /// <summary>After the tree is built: a step nobody made fails what waits for it, rather than leaving it waiting forever.</summary>
    public void Seal(string root)
    {
        foreach (var (id, made) in _steps.Where(s => !s.Value.Task.IsCompleted))
        {
            made.TrySetException(new InvalidOperationException($"{root}: no component made step {id}, which other steps wait for"));
        }
    }
}
