using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests.Monitoring;

/// <summary>
/// The monitoring values that reach alertmanager.yml, prometheus.yml and a container, fed what an attacker or a
/// careless operator would write: one error at the value's key and line, with an example, and no spec.
/// </summary>
public class MonitoringHostileValueTests
{
    private static string Monitored(string monitoringLines) =>
        File.ReadAllText(Repo.StackFile("dev")) + "  microblog:monitoring:\n    host: localhost\n" + monitoringLines;

    private static void Rejected(string yaml, string key)
    {
        var result = SpecLoader.LoadYaml(yaml, "stacks/Pulumi.dev.yaml", "dev");
        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal(key, error.KeyPath);
        Assert.NotNull(error.Line);
        Assert.Contains("e.g. ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://alerts.example.com/hook\n  receivers: []")]
    [InlineData("https://alerts.example.com/h ook")]
    [InlineData("https://alerts.example.com/h'$(id)")]
    [InlineData("https://user:secret@alerts.example.com/hook")]
    [InlineData("file:///etc/passwd")]
    [InlineData("alerts.example.com/hook")]
    [InlineData("https://alerts.example.com:99999/hook")]
    [InlineData("https://alerts..example.com/hook")]
    [InlineData("https://alerts.example.com/hook#x")]
    public void A_webhook_that_is_not_a_plain_http_url_is_refused(string url) =>
        Rejected(Monitored($"    webhook: \"{url.Replace("\n", "\\n", StringComparison.Ordinal)}\"\n"), "microblog:monitoring.webhook");

    [Theory]
    [InlineData("https://alerts.example.com/microblog")]
    [InlineData("http://127.0.0.1:9999/hook")]
    [InlineData("http://[2001:db8::1]:8080/hook")]
    [InlineData("https://hooks.example.com/services/T000/B000/XXXX?token=a-b_c")]
    public void A_plain_http_url_is_accepted(string url) =>
        Assert.Null(Grammar.WebhookUrl(url));

    [Theory]
    [InlineData("metrics")]
    [InlineData("/metrics;reboot")]
    [InlineData("/met rics")]
    public void An_app_metrics_path_that_is_not_a_plain_url_path_is_refused(string path) =>
        Rejected(Monitored($"    webhook: http://127.0.0.1:9999/hook\n    appMetricsPath: \"{path}\"\n"), "microblog:monitoring.appMetricsPath");

    [Fact]
    public void A_monitoring_image_that_is_not_a_docker_reference_is_refused() =>
        Rejected(Monitored("    webhook: http://127.0.0.1:9999/hook\n").Replace("  microblog:images:\n", "  microblog:images:\n    prometheus: \"prom/prometheus:v2; rm -rf /\"\n", StringComparison.Ordinal), "microblog:images.prometheus");
}
