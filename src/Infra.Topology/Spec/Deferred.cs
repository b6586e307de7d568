using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Infra.Topology.Spec;

/// <summary>What a value known only at deploy time must be, and so the grammar it is checked against when it arrives.</summary>
public enum DeferredKind
{
    /// <summary>A remote host's IPv4 address (never loopback: its commands run over SSH).</summary>
    IPv4,

    /// <summary>A remote host's IPv6 address.</summary>
    IPv6,

    /// <summary>An SSH user.</summary>
    User,

    /// <summary>A container image reference.</summary>
    Image,

    /// <summary>An absolute file path on a host.</summary>
    Path,
}

/// <summary>
/// A value the stack has but the plan does not: it comes from another resource (a VM's address, an image a build
/// pushed) and is known only at deploy time. <paramref name="Key"/> names it (`host1.address`, `images.app`);
/// <paramref name="Source"/> says where it comes from, for `infra render`, `plan` and `diff`.
/// </summary>
public sealed record DeferredValue(string Key, DeferredKind Kind, string Source)
{
    public string Placeholder => Deferred.Placeholder(Kind, Key);

    /// <summary>The other stack's output a stack file names (`fromStack`, `output`); null for a value a program gives.</summary>
    public StackOutput? From { get; init; }
}

/// <summary>An output of another Pulumi stack (org/project/stack): read through a StackReference at deploy time.</summary>
public sealed record StackOutput(string Stack, string Output);

/// <summary>
/// Values known only at deploy time never enter the core as values. The plan carries a placeholder where one goes
/// (<c>{{ipv4 host1.address}}</c>), as it does for a secret; its kind is what the core needs to know to plan with it
/// (an address's family: brackets in URLs, the firewall's ip or ip6 rules) and the grammar the value is checked
/// against when the Pulumi program fills it in. What embeds a placeholder runs again when its value changes: the
/// runner fills the text, and <see cref="Plan.PlanValues"/> works out triggers from the filled text.
/// </summary>
public static partial class Deferred
{
    public static string Placeholder(DeferredKind kind, string key) => $"{{{{{Word(kind)} {key}}}}}";

    /// <summary>The placeholder that is the whole of <paramref name="text"/>, if it is one.</summary>
    public static (DeferredKind Kind, string Key)? Parse(string? text)
    {
        var match = text is null ? null : WholePattern().Match(text);
        return match is { Success: true } ? (KindOf(match.Groups["kind"].Value), match.Groups["key"].Value) : null;
    }

    /// <summary>An address the plan has as a placeholder of this family.</summary>
    public static bool IsAddress(string address, AddressFamily family) =>
        Parse(address) is { } p && p.Kind == (family == AddressFamily.InterNetworkV6 ? DeferredKind.IPv6 : DeferredKind.IPv4);

    /// <summary>The keys of the placeholders <paramref name="text"/> carries, in order of first use.</summary>
    public static IReadOnlyList<string> KeysIn(string? text) =>
        text is null ? [] : PlaceholderPattern().Matches(text).Select(m => m.Groups["key"].Value).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Replaces every value placeholder in <paramref name="text"/> (a secret's stays); one without a value is an error.</summary>
    public static string Fill(string text, IReadOnlyDictionary<string, string> values) =>
        PlaceholderPattern().Replace(text, m => values.TryGetValue(m.Groups["key"].Value, out var value)
            ? value
            : throw new InvalidOperationException($"no value for {m.Value}"));

    /// <summary>Null for a value of the kind's grammar, else what is wrong (the value is not secret, so it is quoted).</summary>
    public static string? Check(DeferredValue deferred, string value)
    {
        var problem = deferred.Kind switch
        {
            DeferredKind.IPv4 or DeferredKind.IPv6 => AddressProblem(deferred.Kind, value),
            DeferredKind.User => Grammar.SshUser(value),
            DeferredKind.Image => Grammar.ImageReference(value),
            DeferredKind.Path => Grammar.AbsoluteFilePath(value, "/etc/ssl/private/front.pem"),
            _ => throw new ArgumentOutOfRangeException(nameof(deferred), deferred.Kind, null),
        };
        return problem is null ? null : $"{deferred.Key} ({deferred.Source}): {problem}";
    }

    /// <summary>Where a placeholder's value comes from, in one sentence for `infra render`, `plan` and `diff`.</summary>
    public static string Explain(DeferredValue deferred) =>
        $"{deferred.Placeholder} stands for {What(deferred)}, known only at deploy time: {deferred.Source}; `pulumi up` fills it in";

    private static string What(DeferredValue deferred) => deferred.Kind switch
    {
        DeferredKind.IPv4 => $"{deferred.Key} (an IPv4 address)",
        DeferredKind.IPv6 => $"{deferred.Key} (an IPv6 address)",
        DeferredKind.User => $"{deferred.Key} (an SSH user)",
        DeferredKind.Image => $"{deferred.Key} (an image reference)",
        _ => $"{deferred.Key} (a file path)",
    };

    private static string? AddressProblem(DeferredKind kind, string value)
    {
        var family = kind == DeferredKind.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (!IPAddress.TryParse(value, out var address) || address.AddressFamily != family || value.Contains('%', StringComparison.Ordinal))
        {
            return $"\"{value}\" is not an {(kind == DeferredKind.IPv6 ? "IPv6" : "IPv4")} address, as declared";
        }

        return IPAddress.IsLoopback(address)
            ? $"\"{value}\" is a loopback address: a host whose address comes from another resource is reached over SSH"
            : null;
    }

    private static string Word(DeferredKind kind) => kind.ToString().ToLowerInvariant();

    private static DeferredKind KindOf(string word) => Enum.GetValues<DeferredKind>().Single(k => Word(k) == word);

    [GeneratedRegex(@"\{\{(?<kind>ipv4|ipv6|user|image|path) (?<key>[A-Za-z0-9][A-Za-z0-9._-]*)\}\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^\{\{(?<kind>ipv4|ipv6|user|image|path) (?<key>[A-Za-z0-9][A-Za-z0-9._-]*)\}\}$")]
    private static partial Regex WholePattern();
}
