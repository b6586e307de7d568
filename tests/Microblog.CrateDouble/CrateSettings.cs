using System.Globalization;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace Microblog.CrateDouble;

/// <summary>
/// What the double needs from a node's crate.yml, read the way CrateDB reads it: nested or dotted keys,
/// `-Ckey=value` (and the reference design's `-Des.key=value`) overriding the file, CrateDB's defaults otherwise.
/// </summary>
public sealed record CrateSettings(
    string ConfigFile,
    string NodeName,
    string ClusterName,
    IReadOnlyList<IPAddress> BindAddresses,
    int HttpPort,
    int TransportPort,
    int? PsqlPort,
    IReadOnlyList<string> SeedHosts,
    IReadOnlyList<string> InitialMasterNodes,
    string? DataPath)
{
    /// <summary>`auth.host_based.enabled`: off, CrateDB trusts every connection.</summary>
    public bool HostBasedAuth { get; init; }

    /// <summary>`auth.host_based.config.&lt;order&gt;.*`, in the order of their keys.</summary>
    public IReadOnlyList<HbaEntry> HbaEntries { get; init; } = [];

    public static CrateSettings FromArgs(IReadOnlyList<string> args)
    {
        string? config = null;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            if (arg.StartsWith("-C", StringComparison.Ordinal) || arg.StartsWith("-D", StringComparison.Ordinal))
            {
                var eq = arg.IndexOf('=');
                if (eq < 0)
                {
                    throw new ArgumentException($"`{arg}`: expected -Ckey=value");
                }

                var key = arg[2..eq];
                key = key.StartsWith("es.", StringComparison.Ordinal) ? key[3..] : key;
                var value = arg[(eq + 1)..];
                if (key is "path.conf" or "config")
                {
                    config = value;
                }
                else
                {
                    overrides[key] = value;
                }
            }
            else if (arg is "-f" or "-d")
            {
                // CrateDB's old foreground/daemon switches: the double always runs in the foreground.
            }
            else if (!arg.StartsWith('-') && config is null)
            {
                config = arg;
            }
            else
            {
                throw new ArgumentException($"unexpected argument `{arg}`");
            }
        }

        if (config is null)
        {
            throw new ArgumentException("no config folder or crate.yml given");
        }

        var file = Directory.Exists(config) ? Path.Combine(config, "crate.yml") : config;
        var values = Flatten(File.ReadAllText(file));
        foreach (var (key, value) in overrides)
        {
            values[key] = [value];
        }

        string? One(params string[] keys) => keys.Select(k => values.GetValueOrDefault(k)?.FirstOrDefault()).FirstOrDefault(v => v is not null);
        int Port(string key, int fallback) => One(key) is { } text
            ? int.Parse(text.Split('-')[0], CultureInfo.InvariantCulture)
            : fallback;

        var hosts = values.GetValueOrDefault("network.bind_host") ?? values.GetValueOrDefault("network.host") ?? ["_local_"];
        var psqlEnabled = One("psql.enabled") is not { } enabled || enabled.Equals("true", StringComparison.OrdinalIgnoreCase);
        const string hbaPrefix = "auth.host_based.config.";
        var hba = values.Keys.Where(k => k.StartsWith(hbaPrefix, StringComparison.Ordinal))
            .Select(k => k[hbaPrefix.Length..].Split('.', 2)[0]).Distinct().Order(StringComparer.Ordinal)
            .Select(order => new HbaEntry(
                One($"{hbaPrefix}{order}.user"),
                One($"{hbaPrefix}{order}.address"),
                One($"{hbaPrefix}{order}.method") ?? "trust",
                One($"{hbaPrefix}{order}.protocol")))
            .ToList();
        return new CrateSettings(
            file,
            One("node.name") ?? Environment.MachineName,
            One("cluster.name") ?? "crate",
            AddressesOf(hosts),
            Port("http.port", 4200),
            Port("transport.tcp.port", One("transport.port") is null ? 4300 : Port("transport.port", 4300)),
            psqlEnabled ? Port("psql.port", 5432) : null,
            values.GetValueOrDefault("discovery.seed_hosts") ?? [],
            values.GetValueOrDefault("cluster.initial_master_nodes") ?? [],
            One("path.data"))
        {
            HostBasedAuth = string.Equals(One("auth.host_based.enabled"), "true", StringComparison.OrdinalIgnoreCase),
            HbaEntries = hba,
        };
    }

    /// <summary>CrateDB's special host values: `_local_` is loopback; the others name interfaces, which the double treats as any.</summary>
    private static List<IPAddress> AddressesOf(IReadOnlyList<string> hosts)
    {
        var addresses = new List<IPAddress>();
        foreach (var host in hosts)
        {
            var address = host switch
            {
                "_local_" or "localhost" => IPAddress.Loopback,
                _ when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
                _ => IPAddress.Any,
            };
            if (!addresses.Contains(address))
            {
                addresses.Add(address);
            }
        }

        return addresses.Contains(IPAddress.Any) ? [IPAddress.Any] : addresses;
    }

    /// <summary>`http: {port: 4200}` and `http.port: 4200` both become `http.port`; sequences keep every item.</summary>
    public static Dictionary<string, List<string>> Flatten(string yaml)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count > 0)
        {
            Walk(stream.Documents[0].RootNode, "", result);
        }

        return result;
    }

    private static void Walk(YamlNode node, string prefix, Dictionary<string, List<string>> result)
    {
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    Walk(value, prefix.Length == 0 ? name : prefix + "." + name, result);
                }

                break;
            case YamlSequenceNode sequence:
                result[prefix] = sequence.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").ToList();
                break;
            case YamlScalarNode scalar when scalar.Value is { } value:
                result[prefix] = [value];
                break;
        }
    }
}

/// <summary>One host-based authentication entry; a missing user, address or protocol matches any.</summary>
public sealed record HbaEntry(string? User, string? Address, string Method, string? Protocol);
