namespace Infra.Topology.Configs;

/// <summary>What a changed file costs the running system when it is delivered.</summary>
public enum ChangeAction
{
    /// <summary>nginx -s reload / haproxy hitless reload: no request is dropped.</summary>
    Reload,

    /// <summary>The app reads its config only at start: restart, one host at a time.</summary>
    RollingRestart,

    /// <summary>CrateDB reads crate.yml at start; discovery settings only matter when a node (re)joins.</summary>
    NextRestart,

    /// <summary>CrateDB under Pulumi: restarted one node at a time as CrateDB's rolling upgrade does it (Plan/CrateScripts).</summary>
    CrateRollingRestart,

    /// <summary>
    /// bin/supervisorctl resize, then update: a new process count starts or stops only those processes; any
    /// other change to a program restarts its group whole.
    /// </summary>
    SupervisorUpdate,

    /// <summary>supervisord loads its extension only at start: bin/supervisorctl reload (restarts every process on the host).</summary>
    SupervisordRestart,

    /// <summary>nft -f: the ruleset is replaced atomically.</summary>
    ApplyFirewall,
}

/// <summary>What a changed file costs, in an operator's words: `infra diff` and the README's table say it this way.</summary>
public static class ChangeActions
{
    /// <param name="action">The cost.</param>
    /// <param name="target">The instance the file configures, or its host for a host-wide file.</param>
    /// <param name="host">The host the file is on.</param>
    public static string Describe(this ChangeAction action, string target, string host) => action switch
    {
        ChangeAction.Reload => $"reload {target} (no dropped requests)",
        ChangeAction.RollingRestart => $"rolling restart {target} (one host at a time)",
        ChangeAction.NextRestart => $"no action until the next restart of {target} (seed hosts matter only when a node joins)",
        ChangeAction.CrateRollingRestart => $"rolling restart of {target} (one CrateDB node at a time: allocation limited to new primaries, graceful stop, back in its cluster and every table green before the next)",
        ChangeAction.SupervisorUpdate => $"bin/supervisorctl resize, then update, on {host} (a new process count starts or stops only those processes; any other program change restarts its group whole)",
        ChangeAction.SupervisordRestart => $"bin/supervisorctl reload on {host} (supervisord loads its extension at start; restarts every process on the host)",
        ChangeAction.ApplyFirewall => $"open on {host} what the rules newly admit at once (nft add element), withdraw what they no longer admit at the end of the update, once what used it is gone (nft -f swaps the ruleset atomically)",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };
}

/// <summary>
/// One generated file: the host it goes to, its path inside that host's config folder, and the instance it
/// configures (none for host-wide files such as the firewall or supervisord.conf).
/// </summary>
public sealed record RenderedFile(string Host, string Path, string Content, string? Instance, ChangeAction OnChange, bool Executable = false)
{
    /// <summary>The content's SHA-256, hex: worked out once per file (the plan asks for it several times per file).</summary>
    public string Sha256 => Hashes.GetValue(this, f => Hash(f.Content));

    // Outside the record's fields, so value equality is unchanged; the content of a record instance never changes.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RenderedFile, string> Hashes = new();

    /// <summary>The SHA-256 of the UTF-8 text, encoded a slice at a time: a big stack's files are large, and a byte copy of each is garbage.</summary>
    private static string Hash(string content)
    {
        const int Slice = 16 * 1024;
        using var sha256 = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var encoder = System.Text.Encoding.UTF8.GetEncoder();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(Slice));
        try
        {
            for (var start = 0; start < content.Length; start += Slice)
            {
                var last = start + Slice >= content.Length;
                var count = encoder.GetBytes(content.AsSpan(start, Math.Min(Slice, content.Length - start)), buffer, flush: last);
                sha256.AppendData(buffer, 0, count);
            }

            return Convert.ToHexStringLower(sha256.GetHashAndReset());
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// supervisord.conf and its helpers: they run the process-managed layouts by hand (`infra render`). Under
    /// Pulumi every service is a container, so nothing there reads them.
    /// </summary>
    public bool ForSupervisord => OnChange is ChangeAction.SupervisorUpdate or ChangeAction.SupervisordRestart;

    /// <summary>Writes the content to path (its folder must exist), executable by everyone when it is a script.</summary>
    public void WriteTo(string path)
    {
        File.WriteAllText(path, Content);
        if (Executable && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
    }
}
