using Infra.Topology.Configs;
using Infra.Topology.Plan;
using Infra.Topology.Spec;
using Infra.Topology.Tests.Support;

namespace Infra.Topology.Tests;

/// <summary>
/// The CrateDB password: a Pulumi secret the core never holds. Files and steps carry its placeholder; whoever runs a
/// step fills it in. A plain-text password in a stack file is refused; a weak one is refused without being repeated.
/// </summary>
public class SecretTests
{
    private const string Placeholder = "{{secret microblog:cratePassword}}";

    private static LoadResult Dev(string extra) =>
        SpecLoader.LoadYaml(File.ReadAllText(Repo.StackFile("dev")) + extra, "stacks/Pulumi.dev.yaml", "dev");

    [Fact]
    public void A_password_written_in_plain_text_is_an_error_that_says_how_to_store_it_encrypted()
    {
        var result = Dev("  microblog:cratePassword: hunter2hunter2hunter2\n");

        Assert.Null(result.Spec);
        var error = Assert.Single(result.Errors);
        Assert.Equal("microblog:cratePassword", error.KeyPath);
        Assert.NotNull(error.Line);
        Assert.Contains("pulumi config set --secret microblog:cratePassword <value>", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_encrypted_password_is_known_to_be_set_and_its_ciphertext_goes_nowhere()
    {
        var result = Dev("  microblog:cratePassword:\n    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB\n");

        Assert.True(result.Spec!.CratePasswordSet);
        var topology = Model.TopologyResolver.Resolve(result.Spec);
        Assert.DoesNotContain(Render.All(topology), f => f.Content.Contains("BBBBBBBB", StringComparison.Ordinal));
        Assert.False(Dev("").Spec!.CratePasswordSet);
    }

    [Theory]
    [InlineData("short-but-fine")]
    [InlineData("sixteen chars ok")]
    [InlineData("has'a-quote-in-it-000")]
    [InlineData("has\"a-quote-in-it-000")]
    [InlineData("has\\a-backslash-in-it")]
    [InlineData("line\nbreak-0123456789")]
    [InlineData("tab\tin-it-0123456789")]
    [InlineData("non-ascii-ü-0123456789")]
    public void A_password_outside_the_grammar_is_refused_and_the_message_does_not_repeat_it(string password)
    {
        var problem = Secrets.CheckPassword(password);

        Assert.NotNull(problem);
        Assert.DoesNotContain(password, problem, StringComparison.Ordinal);
        Assert.Contains("pulumi config set --secret microblog:cratePassword", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef")]
    [InlineData("Zm9vYmFyYmF6cXV4+/=!#$%&()*~[]^_`{|}")]
    public void A_password_in_the_grammar_is_accepted(string password) => Assert.Null(Secrets.CheckPassword(password));

    [Fact]
    public void The_app_config_carries_the_placeholder_readable_by_the_apps_user_only()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var file = plan.Hosts.SelectMany(h => h.Files).Single(f => f.HostPath == "/etc/microblog/two-host/app-9210/app.conf" && f.File.Host == "host1");
        Assert.Contains($"crate.user = microblog\ncrate.password = {Placeholder}\n", file.File.Content, StringComparison.Ordinal);
        Assert.Equal("0600", file.Mode);
        Assert.Equal("10001:10001", file.Owner);
        // The container that reads it runs as that user.
        Assert.Equal("10001:10001", plan.Services.Single(s => s.Name == "host1-app-9210").Container.User);
        Assert.All(plan.Hosts.SelectMany(h => h.Files).Where(f => !f.HostPath.EndsWith("/app.conf", StringComparison.Ordinal)), f =>
        {
            Assert.Equal("0644", f.Mode);
            Assert.Empty(Secrets.KeysIn(f.File.Content));
        });
    }

    [Fact]
    public void The_user_step_reads_its_statements_on_stdin_with_the_password_as_a_statement_parameter()
    {
        var step = (CommandStep)Planner.Plan(Repo.Topology("two-host")).Step(StepGraph.AppUserStep);

        Assert.Equal(CommandPurpose.Credentials, step.Purpose);
        Assert.Equal(
            """
            {"stmt":"CREATE USER microblog WITH (password = ?)","args":[{{secret-json microblog:cratePassword}}]}
            {"stmt":"ALTER USER microblog SET (password = ?)","args":[{{secret-json microblog:cratePassword}}]}

            """,
            step.Stdin);
        Assert.Equal(["microblog:cratePassword"], step.SecretKeys);
        Assert.DoesNotContain("{{secret", step.Script, StringComparison.Ordinal);
        // As the superuser, from a container on the admin network that reads the step's stdin.
        Assert.Contains("docker run --rm -i --network microblog-admin --cap-drop NET_RAW --entrypoint sh \"$image\" -c 'IFS= read -r create && IFS= read -r alter", step.Script, StringComparison.Ordinal);
        Assert.Contains("http://169.254.77.1:4200/_sql", step.Script, StringComparison.Ordinal);
        Assert.Contains("GRANT DQL, DML, DDL ON SCHEMA doc TO microblog", step.Script, StringComparison.Ordinal);
        // The statement's answer, which could repeat what was sent, is thrown away.
        Assert.Contains("curl -sS -o /dev/null -w", step.Script, StringComparison.Ordinal);
    }

    /// <summary>
    /// Filled in, each line is one request body whose parameter is the password, whatever it holds: a JSON encoder
    /// escaped it, not the shell or printf.
    /// </summary>
    [Theory]
    [InlineData("0123456789abcdef")]
    [InlineData("quote\"backslash\\dollar$(id)`id`")]
    [InlineData("line\nbreak\tand\u0001control")]
    [InlineData("ünïcødé and 'single' quotes")]
    public void The_filled_user_statements_carry_any_password_as_one_json_string(string password)
    {
        var step = (CommandStep)Planner.Plan(Repo.Topology("two-host")).Step(StepGraph.AppUserStep);

        var filled = Secrets.Fill(step.Stdin!, new Dictionary<string, string> { ["microblog:cratePassword"] = password });

        var lines = filled.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line =>
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.Equal(password, Assert.Single(json.RootElement.GetProperty("args").EnumerateArray()).GetString());
        });
    }

    [Fact]
    public void A_new_password_runs_the_user_step_and_restarts_the_apps_without_any_hash_of_it_in_a_trigger()
    {
        var plan = Planner.Plan(Repo.Topology("two-host"));

        var restart = (CommandStep)plan.Step("host1-app-9210-restart");
        Assert.Equal(Placeholder + "\n", restart.Stdin);
        Assert.All(plan.Steps.OfType<CommandStep>(), c => Assert.DoesNotContain(c.Triggers.Concat(c.RunsAgainWhen), t => t.Contains("secret", StringComparison.Ordinal)));
        Assert.Equal(
            ["crate-app-user", "host1-app-9210-config", "host1-app-9210-restart", "host2-app-9210-config", "host2-app-9210-restart"],
            plan.Steps.OfType<CommandStep>().Where(c => c.SecretKeys.Count > 0).Select(c => c.Id).Order());
    }

    [Fact]
    public void Filling_replaces_every_placeholder_and_a_missing_value_says_how_to_set_it()
    {
        var values = new Dictionary<string, string> { ["microblog:cratePassword"] = "0123456789abcdef" };

        Assert.Equal("a 0123456789abcdef b 0123456789abcdef", Secrets.Fill($"a {Placeholder} b {Placeholder}", values));
        var error = Assert.Throws<InvalidOperationException>(() => Secrets.Fill(Placeholder, new Dictionary<string, string>()));
        Assert.Contains("pulumi config set --secret microblog:cratePassword", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrateDB_trusts_the_superuser_from_the_admin_network_only_and_wants_the_apps_password_and_no_x_real_ip()
    {
        var topology = Repo.Topology("three-host");

        var settings = CrateConfig.Settings(topology, topology.Instance("host1-crate-4200"));

        Assert.Equal(true, settings["auth.host_based.enabled"]);
        Assert.Equal(("crate", "169.254.77.8/29", "trust", "http"), ((string)settings["auth.host_based.config.0.user"], (string)settings["auth.host_based.config.0.address"],
            (string)settings["auth.host_based.config.0.method"], (string)settings["auth.host_based.config.0.protocol"]));
        Assert.Equal(("microblog", "password"), ((string)settings["auth.host_based.config.1.user"], (string)settings["auth.host_based.config.1.method"]));
        Assert.False(settings.ContainsKey("auth.host_based.config.1.address"));
        // No entry for the superuser from loopback or the host's address: a neighbour on the host matches none.
        Assert.DoesNotContain(settings, s => s.Key.StartsWith("auth.host_based.config.", StringComparison.Ordinal) && s.Value is "_local_");
        Assert.Equal(false, settings["auth.trust.http_support_x_real_ip"]);
        // Loopback still listens (a neighbour gets 401 there, not a refused connection), and so does the admin network's gateway.
        Assert.Equal(new List<string> { "192.0.2.11", "_local_", "169.254.77.1" }, settings["network.bind_host"]);
    }

    [Fact]
    public void The_process_managed_layouts_have_no_admin_network_and_trust_the_superuser_on_loopback_as_crate_does_by_default()
    {
        var topology = Repo.Topology("single-host");

        var settings = CrateConfig.Settings(topology, topology.Instance("localhost-crate-4200"), Model.RunMode.Supervisord);

        Assert.Equal(("crate", "_local_", "trust"), ((string)settings["auth.host_based.config.0.user"], (string)settings["auth.host_based.config.0.address"], (string)settings["auth.host_based.config.0.method"]));
        Assert.False(settings.ContainsKey("network.bind_host"));
    }
}
