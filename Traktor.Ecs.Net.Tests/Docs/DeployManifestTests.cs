using System.Reflection;
using System.Text.RegularExpressions;
using Traktor.Ecs.Net.Backend.Configuration;
using YamlDotNet.RepresentationModel;

namespace Traktor.Ecs.Net.Tests.Docs;

/// <summary>
/// The deployment files under deploy/ (docs/DEPLOY.md) parse, carry the fields Kubernetes and Agones require, agree with
/// each other (selectors, fleet names, ports, secrets), and name only settings the backend and the game server understand.
/// Nothing here talks to a cluster; the files are checked as text and structure.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly string Root = DocsCompileTests.RepositoryRoot();

    private static List<YamlMappingNode> Documents(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, "deploy", "kubernetes", file)))
        {
            stream.Load(reader);
        }

        var documents = stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
        foreach (var document in documents)
        {
            Assert.False(string.IsNullOrEmpty(Scalar(document, "apiVersion")), $"{file}: a document without apiVersion");
            Assert.False(string.IsNullOrEmpty(Scalar(document, "kind")), $"{file}: a document without kind");
            Assert.False(string.IsNullOrEmpty(Scalar(document, "metadata", "name")), $"{file}: a {Scalar(document, "kind")} without metadata.name");
        }

        return documents;
    }

    private static YamlNode? Node(YamlNode node, params object[] path)
    {
        YamlNode? current = node;
        foreach (object step in path)
        {
            current = (current, step) switch
            {
                (YamlMappingNode map, string key) => map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null,
                (YamlSequenceNode list, int index) => index < list.Children.Count ? list.Children[index] : null,
                _ => null,
            };
        }

        return current;
    }

    private static string? Scalar(YamlNode node, params object[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static YamlMappingNode Kind(List<YamlMappingNode> documents, string apiVersion, string kind) =>
        Assert.Single(documents, d => Scalar(d, "apiVersion") == apiVersion && Scalar(d, "kind") == kind);

    private static Dictionary<string, YamlMappingNode> Env(YamlNode container) =>
        Assert.IsType<YamlSequenceNode>(Node(container, "env")).Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name")!);

    [Fact]
    public void TheBackendRunsAsSeveralStatelessNodesOnPostgreSqlBehindALoadBalancer()
    {
        var documents = Documents("backend.yaml");
        var deployment = Kind(documents, "apps/v1", "Deployment");
        var service = Kind(documents, "v1", "Service");
        Assert.True(int.Parse(Scalar(deployment, "spec", "replicas")!) >= 2);
        var labels = Assert.IsType<YamlMappingNode>(Node(deployment, "spec", "template", "metadata", "labels"));
        Assert.Equal(labels.ToString(), Node(deployment, "spec", "selector", "matchLabels")?.ToString());
        Assert.Equal(labels.ToString(), Node(service, "spec", "selector")?.ToString());
        Assert.Equal("LoadBalancer", Scalar(service, "spec", "type"));

        var container = Assert.IsType<YamlMappingNode>(Node(deployment, "spec", "template", "spec", "containers", 0));
        Assert.False(string.IsNullOrEmpty(Scalar(container, "image")));
        Assert.Equal("/v1/health/ready", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/v1/health/live", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(Scalar(service, "spec", "ports", 0, "targetPort"), Scalar(container, "ports", 0, "name"));

        var env = Env(container);
        Assert.Equal("postgres", Scalar(env["Online__Database"], "value"));
        foreach (string required in new[] { "Online__ConnectionString", "Online__TokenSigningKey", "Online__ServerKeys__0", "Online__Sessions__GameServerKey" })
        {
            Assert.True(env.ContainsKey(required), $"the backend needs {required}");
            Assert.NotNull(Node(env[required], "valueFrom", "secretKeyRef", "key")); // secrets never in the manifest
        }

        // Every Online__ setting names a real option (the backend refuses unknown ones at startup).
        foreach (string name in env.Keys)
        {
            Assert.True(IsBackendSetting(name), $"{name} is not a backend setting");
        }

        Assert.Equal(Scalar(deployment, "spec", "replicas"), Scalar(env["Online__NodeCount"], "value")); // each node enforces its share of the shared budgets
    }

    [Fact]
    public void TheGameServersAreAnAgonesFleetThatMatchesTheGameServerImage()
    {
        var documents = Documents("gameserver-fleet.yaml");
        var fleet = Kind(documents, "agones.dev/v1", "Fleet");
        var autoscaler = Kind(documents, "autoscaling.agones.dev/v1", "FleetAutoscaler");
        Assert.Equal(Scalar(fleet, "metadata", "name"), Scalar(autoscaler, "spec", "fleetName"));
        Assert.Equal("Buffer", Scalar(autoscaler, "spec", "policy", "type"));

        var gameServer = Assert.IsType<YamlMappingNode>(Node(fleet, "spec", "template", "spec"));
        var port = Assert.IsType<YamlMappingNode>(Node(gameServer, "ports", 0));
        Assert.Equal("UDP", Scalar(port, "protocol"));
        Assert.Contains(Scalar(port, "portPolicy"), new[] { "Dynamic", "Passthrough", "Static" });
        Assert.Equal("false", Scalar(gameServer, "health", "disabled"));
        // Agones marks a game server unhealthy after failureThreshold missed pings of periodSeconds each; the process pings
        // every heartbeat (1 s), so the threshold leaves room for a stalled tick or two.
        Assert.True(int.Parse(Scalar(gameServer, "health", "periodSeconds")!) * int.Parse(Scalar(gameServer, "health", "failureThreshold")!) >= 5);

        var container = Assert.IsType<YamlMappingNode>(Node(gameServer, "template", "spec", "containers", 0));
        Assert.Equal(Scalar(gameServer, "container"), Scalar(container, "name"));
        var env = Env(container);
        foreach (string required in new[] { "TRAKTOR_BACKEND", "TRAKTOR_SERVER_KEY", "TRAKTOR_GAME_SERVER_KEY" })
        {
            Assert.True(env.ContainsKey(required), $"the game server needs {required}");
        }

        // The game-server key is the backend's: both read the same secret.
        var backendEnv = Env(Node(Kind(Documents("backend.yaml"), "apps/v1", "Deployment"), "spec", "template", "spec", "containers", 0)!);
        Assert.Equal(Scalar(backendEnv["Online__Sessions__GameServerKey"], "valueFrom", "secretKeyRef", "key"),
            Scalar(env["TRAKTOR_GAME_SERVER_KEY"], "valueFrom", "secretKeyRef", "key"));

        // The image listens where the fleet says, in the mode the demo understands.
        string dockerfile = File.ReadAllText(Path.Combine(Root, "deploy", "docker", "gameserver.Dockerfile"));
        var entry = Regex.Match(dockerfile, @"ENTRYPOINT \[(.*)\]").Groups[1].Value.Split(',').Select(a => a.Trim().Trim('"')).ToArray();
        Assert.Equal(Scalar(port, "containerPort"), entry[Array.IndexOf(entry, "--port") + 1]);
        var args = Assert.IsType<YamlSequenceNode>(Node(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value!).ToArray();
        var options = global::Demo.DemoOptions.Parse([.. entry[2..], .. args]);
        Assert.Equal(global::Demo.DemoMode.GameServer, options.Mode);

        // A match still running late in a drain is ended by the server, its players told, before the pod is killed: the
        // sessions' timeout, the last deregistration's bound and a second of closing fit in the grace period.
        double grace = double.Parse(Scalar(gameServer, "template", "spec", "terminationGracePeriodSeconds")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotNull(options.DrainSessionsTimeoutSeconds);
        Assert.True(options.DrainSessionsTimeoutSeconds + Traktor.Ecs.Net.Sessions.GameServerHost.DefaultDrainDeregisterTimeout.TotalSeconds + 1 < grace,
            $"--drain-sessions-timeout {options.DrainSessionsTimeoutSeconds} leaves no time to end the sessions within terminationGracePeriodSeconds {grace}");
    }

    [Fact]
    public void TheDockerfilesPublishProjectsThatExist()
    {
        foreach (string file in new[] { "backend.Dockerfile", "gameserver.Dockerfile" })
        {
            string text = File.ReadAllText(Path.Combine(Root, "deploy", "docker", file));
            var project = Regex.Match(text, @"dotnet publish (\S+\.csproj)");
            Assert.True(project.Success, $"{file} publishes no project");
            Assert.True(File.Exists(Path.Combine(Root, project.Groups[1].Value)), $"{file}: {project.Groups[1].Value} does not exist");
            var dll = Regex.Match(text, @"ENTRYPOINT \[""dotnet"", ""([^""]+)\.dll""");
            Assert.Equal(Path.GetFileNameWithoutExtension(project.Groups[1].Value), dll.Groups[1].Value);
        }
    }

    private static bool IsBackendSetting(string name)
    {
        string[] parts = name.Split("__");
        if (parts[0] != "Online")
        {
            return false;
        }

        var type = typeof(BackendOptions);
        foreach (string part in parts[1..])
        {
            if (int.TryParse(part, out _))
            {
                continue; // an index into a list setting
            }

            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance);
            if (property is null)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }
}
