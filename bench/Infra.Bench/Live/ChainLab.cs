using System.Globalization;
using Infra.Bench.Growth;
using Infra.Lab;
using Infra.Topology.Configs;
using Infra.Topology.Model;

namespace Infra.Bench.Live;

/// <summary>
/// The two-host colocated stack running for real on namespaces: `front` (load balancer), host1 and host2
/// (nginx -> haproxy -> app each; CrateDB is not started: a GET of `/` never reaches it), and `out`, the
/// client's namespace. The configs are the renderers' output, optionally rewritten by a <see cref="ConfigVariant"/>.
/// The namespaces and processes are the lab's (src/Infra.Lab), as in the live tests and `infra lab`.
/// </summary>
public sealed class ChainLab : IDisposable
{
    public const string Client = "out";
    public const string Front = "front";
    public static readonly string[] AppHosts = ["host1", "host2"];

    private readonly NetnsLab _lab;
    private readonly string _workDir;
    private readonly string _testApp;
    private readonly List<LabProcess> _proxies = [];
    private readonly Dictionary<string, LabProcess> _apps = new(StringComparer.Ordinal);

    public ChainLab(string workDir, string testAppDll)
    {
        _workDir = workDir;
        _testApp = testAppDll;
        var yaml = ColocatedStack.Yaml(2, i => $"{NetnsLab.Subnet}.{11 + i}", $"{NetnsLab.Subnet}.10");
        Topology = Pipeline.Resolve(Pipeline.Load(yaml, 2));
        Files = Pipeline.Render(Topology);
        _lab = NetnsLab.Create();
        try
        {
            _lab.AddHost(Front, $"{NetnsLab.Subnet}.10");
            foreach (var (host, i) in AppHosts.Select((h, i) => (h, i)))
            {
                _lab.AddHost(host, $"{NetnsLab.Subnet}.{11 + i}");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public StackTopology Topology { get; }

    public IReadOnlyList<RenderedFile> Files { get; }

    public NetnsLab Lab => _lab;

    public string Address(string host) => Host(host).Address;

    /// <summary>A host by name; <see cref="Client"/> is the lab's outside namespace.</summary>
    public LabHost Host(string name) => name == Client ? _lab.Outside : _lab[name];

    /// <summary>Runs a command in a host's namespace to completion (wrk, curl); a non-zero exit throws with its output.</summary>
    public string Exec(string host, TimeSpan limit, string file, params string[] args)
    {
        var (code, output) = TryExec(host, limit, file, args);
        return code == 0 ? output : throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` on {host} exited {code}:\n{output}");
    }

    public (int Code, string Output) TryExec(string host, TimeSpan limit, string file, params string[] args)
    {
        var result = Shell.Run("nsenter", ["--net=" + Host(host).NsPath, "--", file, .. args], timeout: limit);
        return (result.ExitCode, result.Stdout + result.Stderr);
    }

    public Instance App(string host) => Topology.On(host, Infra.Topology.Spec.Role.App).First();

    public string FrontUrl => $"http://{Address(Front)}:{Topology.Of(Infra.Topology.Spec.Role.LoadBalancer).Single().Port}/";

    public string DirectUrl(string host) => $"http://{Address(host)}:{App(host).Port}/";

    public void StartApps()
    {
        foreach (var file in Files.Where(f => f.Path.EndsWith("/app.conf", StringComparison.Ordinal)))
        {
            var path = Write("apps", file, file.Content);
            _apps[file.Host] = _lab.Start(Host(file.Host), Path.GetDirectoryName(file.Path)!, "dotnet", [_testApp, path]);
        }
    }

    public void StartProxies(ConfigVariant variant)
    {
        foreach (var file in Files)
        {
            var kind = Footprint.KindOf(file);
            if (kind is not ("nginx.conf" or "haproxy.cfg" or "lb/haproxy.cfg"))
            {
                continue;
            }

            var path = Write(variant.Name, file, variant.Apply(file));
            var dir = Path.GetDirectoryName(path)!;
            _proxies.Add(kind == "nginx.conf"
                ? _lab.Start(Host(file.Host), $"{variant.Name}-nginx", "nginx", ["-p", dir, "-e", "stderr", "-c", path, "-g", "daemon off;"])
                : _lab.Start(Host(file.Host), $"{variant.Name}-{(kind == "haproxy.cfg" ? "haproxy" : "lb")}", "haproxy", ["-db", "-f", path]));
        }
    }

    public void StopProxies()
    {
        foreach (var p in _proxies)
        {
            p.Kill().GetAwaiter().GetResult();
        }

        _proxies.Clear();
    }

    /// <summary>SIGKILL to the app's group: a crash, not a shutdown.</summary>
    public void KillApp(string host) => _apps[host].Kill().GetAwaiter().GetResult();

    /// <summary>A powered-off machine: its link goes down (peers see silence, not resets) and its processes die.</summary>
    public void PowerOff(string host)
    {
        Shell.Check("ip", "-n", Host(host).Namespace, "link", "set", "eth0", "down");
        _lab.KillEverythingIn(Host(host)).GetAwaiter().GetResult();
    }

    /// <summary>Bytes the host's cable has carried, both ways, as its switch port counts them.</summary>
    public long LinkBytes(string host)
    {
        var port = Host(host).SwitchPort;
        long Read(string counter) => long.Parse(Shell.Check("ip", "netns", "exec", _lab.Switch.Namespace, "cat", $"/sys/class/net/{port}/statistics/{counter}").Stdout.Trim(), CultureInfo.InvariantCulture);
        return Read("rx_bytes") + Read("tx_bytes");
    }

    /// <summary>Waits until the load balancer and every haproxy report all their servers UP (haproxy starts them DOWN until `rise` checks pass).</summary>
    public void WaitUntilUp(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var states = StatsHosts().ToDictionary(h => h, ServerStatus);
            if (states.Values.All(s => s.Count > 0 && s.Values.All(v => v == "UP")))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the chain did not come up: " + string.Join("; ", states.Select(s => $"{s.Key}: {string.Join(", ", s.Value.Select(v => $"{v.Key}={v.Value}"))}")) + $" (logs in {_lab.RunDir}/logs)");
            }

            Thread.Sleep(100);
        }
    }

    public IEnumerable<string> StatsHosts() => [Front, .. AppHosts];

    /// <summary>Server name -> status ("UP", "DOWN", "UP 1/2", ...) from the stats CSV, asked from the host itself (the page admits only local callers).</summary>
    public Dictionary<string, string> ServerStatus(string host)
    {
        var port = host == Front ? Topology.Of(Infra.Topology.Spec.Role.LoadBalancer).Single().Port : Topology.On(host, Infra.Topology.Spec.Role.Haproxy).Single().Port;
        var (code, csv) = TryExec(host, TimeSpan.FromSeconds(5), "curl", "-s", "-m", "1", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{HaproxyConfig.StatsPath};csv");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (code != 0)
        {
            return result;
        }

        foreach (var line in csv.Split('\n'))
        {
            var cols = line.Split(',');
            // pxname,svname,...: status is column 17 (0-based).
            if (cols.Length > 17 && cols[0] is "app" or "nginx" && cols[1] is not ("FRONTEND" or "BACKEND"))
            {
                result[cols[1]] = cols[17];
            }
        }

        return result;
    }

    /// <summary>Everything stopped and the namespaces gone; what could not be removed is said, not hidden.</summary>
    public void Dispose()
    {
        var leaks = _lab.Teardown().GetAwaiter().GetResult();
        if (leaks.Count > 0)
        {
            Console.Error.WriteLine("bench lab teardown left: " + string.Join("; ", leaks));
        }
        else
        {
            Directory.Delete(_lab.RunDir, recursive: true);
        }
    }

    private string Write(string variant, RenderedFile file, string content)
    {
        var path = Path.Combine(_workDir, variant, file.Host, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }
}
