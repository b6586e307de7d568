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

/// <summary>
/// One mount: <paramref name="Source"/> is a host path (bind) or a volume name. <paramref name="Propagation"/> is a
/// bind's mount propagation (`rslave`: mounts made on the host later appear inside too); null keeps Docker's default.
/// </summary>
public sealed record Mount(MountKind Kind, string Source, string Target, bool ReadOnly, string? Propagation = null);

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
    /// <summary>`host`: the container sees the host's processes (the node exporter); null: its own PID namespace.</summary>
    public string? PidMode { get; init; }

    /// <summary>Kernel capabilities taken from the container (Docker grants a default set to every container).</summary>
    public EquatableArray<string> CapDrop { get; init; } = EquatableArray<string>.Empty;

    /// <summary>A hash of the whole spec (<see cref="FingerprintText"/>): what re-runs the steps that wait for a new container.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FingerprintText)));

    /// <summary>Every field of the spec, one text: what <see cref="Fingerprint"/> hashes.</summary>
    public string FingerprintText
    {
        get
        {
            var text = new StringBuilder()
                .AppendJoin('\n', Name, Image, string.Join('\0', Command), string.Join('\0', Environment), User ?? "", RestartPolicy, NetworkMode)
                .Append('\n').AppendJoin('\n', Mounts.Select(m => $"{m.Kind} {m.Source} {m.Target} {m.ReadOnly}" + (m.Propagation is { } p ? $" {p}" : "")))
                .Append('\n').AppendJoin('\0', Health.Test).Append($"\n{Health.Interval} {Health.Timeout} {Health.Retries} {Health.StartPeriod}")
                .Append('\n').AppendJoin('\n', Labels.Select(l => $"{l.Key}={l.Value}"));
            // Fields added later count only when set: a spec without them keeps the fingerprint it had.
            if (PidMode is not null)
            {
                text.Append($"\npid {PidMode}");
            }

            if (CapDrop.Count > 0)
            {
                text.Append("\ncap-drop ").AppendJoin(',', CapDrop);
            }

            return text.ToString();
        }
    }

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

        if (before.PidMode != PidMode)
        {
            changes.Add($"pid namespace {before.PidMode ?? "(its own)"} -> {PidMode ?? "(its own)"}");
        }

        if (!before.CapDrop.Equals(CapDrop))
        {
            changes.Add("capabilities");
        }

        if (before.RestartPolicy != RestartPolicy || before.NetworkMode != NetworkMode || before.Name != Name)
        {
            changes.Add("name, network or restart policy");
        }

        return changes;
    }
}
