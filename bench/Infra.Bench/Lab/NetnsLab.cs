using System.Diagnostics;

namespace Infra.Bench.Lab;

/// <summary>
/// Hosts as network namespaces on one bridge (the bridge lives in its own "switch" namespace), every name
/// starting with <see cref="Prefix"/> so a crashed run's leftovers are found and removed by the next.
/// Traffic never leaves these namespaces.
/// </summary>
public sealed class NetnsLab : IDisposable
{
    public const string Prefix = "mbench-";
    private const string Subnet = "10.213.0";
    private readonly string _switch = Prefix + "sw";
    private readonly List<BenchProcess> _processes = [];
    private readonly Dictionary<string, string> _addresses = new(StringComparer.Ordinal);

    public NetnsLab(string logDir, IEnumerable<(string Host, int Octet)> hosts)
    {
        LogDir = logDir;
        Directory.CreateDirectory(logDir);
        RemoveLeftovers();
        try
        {
            Sh.Run("ip", "netns", "add", _switch);
            Sh.Run("ip", "-n", _switch, "link", "add", "br0", "type", "bridge");
            Sh.Run("ip", "-n", _switch, "link", "set", "br0", "up");
            var i = 0;
            foreach (var (host, octet) in hosts)
            {
                var ns = Ns(host);
                var address = $"{Subnet}.{octet}";
                Sh.Run("ip", "netns", "add", ns);
                Sh.Run("ip", "-n", ns, "link", "set", "lo", "up");
                Sh.Run("ip", "-n", _switch, "link", "add", $"v{i}", "type", "veth", "peer", "name", "eth0", "netns", ns);
                Sh.Run("ip", "-n", _switch, "link", "set", $"v{i}", "master", "br0", "up");
                Sh.Run("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", "eth0");
                Sh.Run("ip", "-n", ns, "link", "set", "eth0", "up");
                _addresses[host] = address;
                i++;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string LogDir { get; }

    public string Address(string host) => _addresses[host];

    public static string Ns(string host) => Prefix + host;

    /// <summary>Starts a long-running server in a host's namespace, in its own session so its whole group can be killed.</summary>
    public BenchProcess Start(string host, string name, string file, params string[] args)
    {
        var log = Path.Combine(LogDir, $"{host}-{name}.log");
        // The kernel writes the server's output straight to its log: reading it here would cost CPU under load.
        var psi = new ProcessStartInfo("setsid");
        foreach (var a in new[] { "nsenter", $"--net=/run/netns/{Ns(host)}", "--", "sh", "-c", "exec \"$@\" >>\"$LOG\" 2>&1", "sh", file }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LOG"] = log;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file} on {host}");
        var started = new BenchProcess(host, name, process, log);
        _processes.Add(started);
        return started;
    }

    /// <summary>Runs a command in a host's namespace to completion (wrk, curl).</summary>
    public string Exec(string host, TimeSpan limit, string file, params string[] args) =>
        Sh.Run(limit, "nsenter", [$"--net=/run/netns/{Ns(host)}", "--", file, .. args]);

    public (int Code, string Output) TryExec(string host, TimeSpan limit, string file, params string[] args) =>
        Sh.Try(limit, "nsenter", [$"--net=/run/netns/{Ns(host)}", "--", file, .. args]);

    /// <summary>A powered-off machine: its link goes down (peers see silence, not resets) and its processes die.</summary>
    public void PowerOff(string host)
    {
        Sh.Run("ip", "-n", Ns(host), "link", "set", "eth0", "down");
        foreach (var p in _processes.Where(p => p.Host == host))
        {
            p.Kill();
        }
    }

    public void Dispose()
    {
        foreach (var p in _processes)
        {
            p.Kill();
        }

        _processes.Clear();
        RemoveLeftovers();
    }

    /// <summary>Kills whatever still runs in a bench namespace and deletes the namespaces (veths go with them).</summary>
    public static void RemoveLeftovers()
    {
        var (_, list) = Sh.Try(TimeSpan.FromSeconds(10), "ip", "netns", "list");
        var names = list.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0])
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToList();
        foreach (var ns in names)
        {
            var (_, pids) = Sh.Try(TimeSpan.FromSeconds(10), "ip", "netns", "pids", ns);
            foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Sh.Try(TimeSpan.FromSeconds(5), "kill", "-KILL", pid.Trim());
            }
        }

        foreach (var ns in names)
        {
            Sh.Try(TimeSpan.FromSeconds(10), "ip", "netns", "del", ns);
        }
    }
}
