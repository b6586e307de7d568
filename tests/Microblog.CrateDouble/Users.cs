using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microblog.Testing;

namespace Microblog.CrateDouble;

/// <summary>
/// What the double knows of CrateDB's authentication, enough to show a deployment's credentials at work: the
/// host-based rules of crate.yml (`auth.host_based.*`, first matching entry decides, no match is denied), HTTP Basic
/// credentials or the trusted default user `crate`, the superuser that has no password, and the users CREATE USER and
/// ALTER USER make. Users are cluster state: they travel with the nodes' greetings, so every node knows them.
/// https://cratedb.com/docs/crate/reference/en/latest/admin/auth/hba.html
/// </summary>
public sealed class Users(CrateSettings settings)
{
    public const string Superuser = "crate";

    private readonly ConcurrentDictionary<string, (string Hash, long Stamp, Grant[] Grants)> _users = new(StringComparer.Ordinal);

    public bool Exists(string name) => name == Superuser || _users.ContainsKey(name);

    /// <summary>A new user, or a new password for one: its grants stay.</summary>
    public void Set(string name, string password) =>
        _users.AddOrUpdate(name, _ => (Hash(password), DateTime.UtcNow.Ticks, []), (_, was) => (Hash(password), DateTime.UtcNow.Ticks, was.Grants));

    /// <summary>GRANT: the user's privileges gain <paramref name="grants"/> (false when the user does not exist).</summary>
    public bool Add(string name, IEnumerable<Grant> grants)
    {
        if (!_users.TryGetValue(name, out var was))
        {
            return false;
        }

        _users[name] = (was.Hash, DateTime.UtcNow.Ticks, was.Grants.Union(grants).ToArray());
        return true;
    }

    public IReadOnlyList<Grant> GrantsOf(string name) => _users.TryGetValue(name, out var user) ? user.Grants : [];

    /// <summary>For the greeting: name -> [hash, stamp, grants as "TYPE CLASS IDENT"].</summary>
    public Dictionary<string, object[]> Snapshot() => _users.ToDictionary(kv => kv.Key, kv => new object[]
    {
        kv.Value.Hash, kv.Value.Stamp, kv.Value.Grants.Select(g => $"{g.Type} {g.Class} {g.Ident ?? "-"}").ToArray(),
    });

    /// <summary>A peer's users: the newer entry of each wins.</summary>
    public void Merge(IEnumerable<(string Name, string Hash, long Stamp, IReadOnlyList<string> Grants)> users)
    {
        foreach (var (name, hash, stamp, grants) in users)
        {
            var parsed = grants.Select(g => g.Split(' ')).Select(p => new Grant(p[0], p[1], p[2] == "-" ? null : p[2])).ToArray();
            _users.AddOrUpdate(name, (hash, stamp, parsed), (_, mine) => stamp > mine.Stamp ? (hash, stamp, parsed) : mine);
        }
    }

    /// <summary>The user a request acts as, or why it is refused (HTTP 401, as CrateDB answers).</summary>
    public (string? User, string? Refusal) Authenticate(HttpRequest request)
    {
        var (user, password) = Credentials(request);
        if (!settings.HostBasedAuth)
        {
            return (user, null);
        }

        var peer = request.Peer is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : request.Peer;
        var entry = settings.HbaEntries.FirstOrDefault(e =>
            (e.User is null || e.User == user) && (e.Protocol is null || e.Protocol == "http") && Matches(e.Address, peer));
        if (entry is null)
        {
            return (null, $"No valid auth.host_based.config entry found for host \"{peer}\", user \"{user}\", protocol \"http\"");
        }

        return entry.Method switch
        {
            "trust" when Exists(user) => (user, null),
            "password" when user != Superuser && password is not null && _users.TryGetValue(user, out var known) && known.Hash == Hash(password) => (user, null),
            "password" or "trust" => (null, $"password authentication failed for user \"{user}\""),
            _ => (null, $"authentication method {entry.Method} is not one the double knows"),
        };
    }

    private static (string User, string? Password) Credentials(HttpRequest request)
    {
        if (request.Headers.TryGetValue("authorization", out var header) && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? (text, null) : (text[..colon], text[(colon + 1)..]);
            }
            catch (FormatException)
            {
            }
        }

        // auth.trust.http_default_user
        return (Superuser, null);
    }

    private static bool Matches(string? address, IPAddress? peer) => address switch
    {
        null => true,
        _ when peer is null => false,
        "_local_" => IPAddress.IsLoopback(peer),
        _ when IPNetwork.TryParse(address, out var network) => network.Contains(peer),
        _ => IPAddress.TryParse(address, out var one) && one.Equals(peer),
    };

    private static string Hash(string password) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(password)));
}
