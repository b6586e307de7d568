using Infra.Topology.Configs;
using Infra.Topology.Spec;

namespace Infra.Topology.Plan;

/// <summary>
/// A plan whose steps carry placeholders of values known only at deploy time (<see cref="Deferred"/>), as the runner
/// fills it in. A step that embeds a placeholder changes when its value does; a trigger is a hash of a file or a
/// container spec, and a hash of the placeholder's text would not, so each such trigger is worked out again from its
/// filled text. Secrets stay placeholders in what is hashed: a new secret reaches a step through its stdin.
/// </summary>
public sealed class PlanValues
{
    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);

    public PlanValues(DeploymentPlan plan)
    {
        foreach (var file in plan.Hosts.SelectMany(h => h.Files).Where(f => Deferred.KeysIn(f.File.Content).Count > 0))
        {
            _sources.TryAdd(file.Sha256, file.File.Content);
        }

        foreach (var container in plan.Services.Select(s => s.Container).Where(c => Deferred.KeysIn(c.FingerprintText).Count > 0))
        {
            _sources.TryAdd(container.Fingerprint, container.FingerprintText);
        }
    }

    /// <summary>The placeholders a trigger stands on: those of the text it hashes, or its own (an image).</summary>
    public IReadOnlyList<string> KeysOf(string trigger) => Deferred.KeysIn(_sources.GetValueOrDefault(trigger, trigger));

    /// <summary>The trigger as it is once the values are known: the hash of its filled text, or itself filled.</summary>
    public string Fill(string trigger, IReadOnlyDictionary<string, string> values) =>
        _sources.TryGetValue(trigger, out var text) ? RenderedFile.HashOf(Deferred.Fill(text, values)) : Deferred.Fill(trigger, values);
}
