using System.Text.RegularExpressions;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>
/// A stack that names no image gets the defaults: each must be one exact release, so the same stack file deploys the
/// same software tomorrow (a tag like `nginx:1.27` moves with every patch release, and its base image under it), and
/// the README must name each as the table of keys does.
/// </summary>
public partial class DefaultImageTests
{
    private static readonly IReadOnlyList<string> Defaults =
    [
        StackSpec.DefaultImages.Nginx, StackSpec.DefaultImages.Haproxy, StackSpec.DefaultImages.Crate,
        MonitoringImages.Default.Prometheus, MonitoringImages.Default.Alertmanager, MonitoringImages.Default.NodeExporter, MonitoringImages.Default.NginxExporter,
    ];

    [Fact]
    public void Every_default_image_names_one_exact_release()
    {
        Assert.All(Defaults, image => Assert.Matches(ExactRelease(), image));
    }

    [Fact]
    public void The_readme_names_every_default_image()
    {
        var readme = File.ReadAllText(Path.Combine(Repo.Root, "README.md"));
        Assert.All(Defaults, image => Assert.Contains($"`{image}`", readme, StringComparison.Ordinal));
    }

    /// <summary>name:MAJOR.MINOR.PATCH (a `v` before it, as the prom/* tags write it).</summary>
    [GeneratedRegex(@"^[a-z0-9./-]+:v?\d+\.\d+\.\d+$")]
    private static partial Regex ExactRelease();
}
