using System.Text.Json.Nodes;

namespace Infra.Tests.Support;

/// <summary>The config each mapping test runs the program with: every committed stack, and two-host with TLS at its front door.</summary>
public static class StackConfigs
{
    public const string TwoHostTls = "two-host+tls";

    public const string Certificate = "/etc/ssl/private/front.pem";

    public static TheoryData<string> All => new([.. Repo.StackNames, TwoHostTls]);

    public static TheoryData<string> Committed => new(Repo.StackNames);

    /// <summary>The stack's name as Pulumi knows it, and the config the Pulumi CLI would hand the program.</summary>
    public static (string Stack, Dictionary<string, string> Config) Of(string name)
    {
        if (name != TwoHostTls)
        {
            return (name, PulumiConfigOf.StackFile(Repo.StackFile(name)));
        }

        var config = PulumiConfigOf.StackFile(Repo.StackFile("two-host"));
        var loadBalancer = JsonNode.Parse(config["microblog:loadBalancer"])!.AsObject();
        loadBalancer["tlsCertificate"] = Certificate;
        config["microblog:loadBalancer"] = loadBalancer.ToJsonString();
        return ("two-host", config);
    }
}
