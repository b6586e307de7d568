using System.Security.Cryptography;
using System.Text;

namespace Infra.Topology.Plan;

/// <summary>A Docker health check, in `docker run --health-*` terms.</summary>
public sealed record HealthCheck(EquatableArray<string> Test, string Interval, string Timeout, int Retries, string StartPeriod);

public enum MountKind
{
    /// <summary>A file or folder of the host.</summary>
    Bind,

    /// <summary>A named Docker volume.</summary>
    Volume,
}

/// <summary>One mount: <paramref name="Source"/> is a host path (bind) or a volume name.</summary>
public sealed record Mount(MountKind Kind, string Source, string Target, bool ReadOnly);

public sealed record Label(string Key, string Value);

/// <summary>Everything a container is made of; a change to any of it replaces the container.</summary>
public sealed record ContainerSpec(
    string Name,
    string Image,
    EquatableArray<string> Command,
    EquatableArray<string> Environment,
    string? User,
    EquatableArray<Mount> Mounts,
    HealthCheck Health,
    string RestartPolicy,
    string NetworkMode,
    EquatableArray<Label> Labels)
{
    /// <summary>A hash of the whole spec (<see cref="FingerprintText"/>): what re-runs the steps that wait for a new container.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FingerprintText)));

    /// <summary>Every field of the spec, one text: what <see cref="Fingerprint"/> hashes.</summary>
    public string FingerprintText =>
        new StringBuilder()
            .AppendJoin('\n', Name, Image, string.Join('\0', Command), string.Join('\0', Environment), User ?? "", RestartPolicy, NetworkMode)
            .Append('\n').AppendJoin('\n', Mounts.Select(m => $"{m.Kind} {m.Source} {m.Target} {m.ReadOnly}"))
            .Append('\n').AppendJoin('\0', Health.Test).Append($"\n{Health.Interval} {Health.Timeout} {Health.Retries} {Health.StartPeriod}")
            .Append('\n').AppendJoin('\n', Labels.Select(l => $"{l.Key}={l.Value}"))
            .ToString();

    /// <summary>What differs between two specs, in an operator's words (empty when nothing does).</summary>
    public IReadOnlyList<string> ChangesFrom(ContainerSpec before)
    {
        var changes = new List<string>();
        if (before.Image != Image)
        {
            changes.Add($"image {before.Image} -> {Image}");
        }

        if (!before.Command.Equals(Command))
        {
            changes.Add("command");
        }

        if (!before.Environment.Equals(Environment))
        {
            changes.Add($"environment {string.Join(" ", before.Environment)} -> {string.Join(" ", Environment)}");
        }

        if (before.User != User)
        {
            changes.Add($"user {before.User ?? "(image default)"} -> {User ?? "(image default)"}");
        }

        if (!before.Mounts.Equals(Mounts))
        {
            changes.Add("mounts");
        }

        if (before.Health != Health)
        {
            changes.Add("health check");
        }

        if (!before.Labels.Equals(Labels))
        {
            changes.Add("labels");
        }

        if (before.RestartPolicy != RestartPolicy || before.NetworkMode != NetworkMode || before.Name != Name)
        {
            changes.Add("name, network or restart policy");
        }

        return changes;
    }
}
