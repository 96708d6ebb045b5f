using System.IO.Compression;
using System.Reflection;
using Traktor.Ecs.Net.Tests.Docs;
using System.Xml.Linq;
using Traktor.Ecs.Net.Tests.Demo;

namespace Traktor.Ecs.Net.Tests.Packaging;

/// <summary>
/// The libraries as a user gets them: packed with <c>dotnet pack</c> into a local feed, restored into a fresh
/// console project outside the repository (no project references, no Directory.Build.props), and a small
/// replicated game built and run from them. The fresh project restores everything else offline, from this
/// machine's global packages folder used as a second feed.
/// </summary>
public sealed class PackageTests
{
    private static readonly string[] Libraries =
        ["Traktor.Ecs", "Traktor.Ecs.Net", "Traktor.Ecs.Net.Online", "Traktor.Ecs.Net.Scripting", "Traktor.Ecs.Net.Web"];

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Packed_libraries_restore_into_a_fresh_project_that_builds_and_runs_a_replicated_game()
    {
        string root = Path.Combine(Path.GetTempPath(), "traktor-pack-tests", Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(root, "feed");
        try
        {
            // Pack what the test run already built (same configuration), through a solution filter that also
            // names the Backend: a non-packable host must be skipped without a warning.
            string filter = Path.Combine(root, "libraries.slnf");
            Directory.CreateDirectory(root);
            File.WriteAllText(filter, SolutionFilter([.. Libraries, "Traktor.Ecs.Net.Backend"]));
            string pack = await DotnetAsync(root, "pack", filter, "--no-build", "-c", Configuration, "-o", feed);
            Assert.DoesNotMatch(@"(?i):\s*warning\b", pack);

            string[] packages = Directory.GetFiles(feed).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(Libraries.SelectMany(l => new[] { $"{l}.{Version}.nupkg", $"{l}.{Version}.snupkg" }).Order(StringComparer.Ordinal), packages);
            foreach (string library in Libraries)
            {
                AssertPackageContents(Path.Combine(feed, $"{library}.{Version}.nupkg"), Path.Combine(feed, $"{library}.{Version}.snupkg"), library);
            }

            // A fresh game from the feed: its [Replicated] component is serialized by the generator the package ships.
            string game = Path.Combine(root, "PackedGame");
            Directory.CreateDirectory(game);
            File.WriteAllText(Path.Combine(game, "PackedGame.csproj"), GameProject);
            File.WriteAllText(Path.Combine(game, "Program.cs"), GameProgram);
            File.WriteAllText(Path.Combine(game, "nuget.config"), NugetConfig(feed, await GlobalPackagesFolderAsync(root), Path.Combine(root, "packages")));
            await DotnetAsync(game, "build", "-c", "Debug");
            string run = await DotnetAsync(game, Path.Combine(game, "bin", "Debug", "net10.0", "PackedGame.dll"));
            Assert.Matches(@"client replicated net:\d+ at \(12\.50, -3\.25\) with 100 health", run);
            Assert.Contains("a script would get a Table", run, StringComparison.Ordinal);
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS's temp cleanup.
            }
        }
    }

    private static void AssertPackageContents(string nupkg, string snupkg, string library)
    {
        using (var package = ZipFile.OpenRead(nupkg))
        {
            string[] entries = package.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains($"lib/net10.0/{library}.dll", entries);
            Assert.Contains($"lib/net10.0/{library}.xml", entries);     // IntelliSense
            Assert.Contains("README.md", entries);

            using var nuspecStream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.Equal(Version, Value("version"));
            Assert.Equal("Traktor.Ecs.Net contributors", Value("authors"));
            Assert.Equal("MIT", Value("license"));
            Assert.Equal("README.md", Value("readme"));
            Assert.Contains("networking", Value("tags"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(Value("description")));
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", (string?)repository.Attribute("type"));
            Assert.Matches("^[0-9a-f]{40}$", (string?)repository.Attribute("commit") ?? "");

            string[] dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToArray();
            Assert.DoesNotContain("Traktor.Ecs.Net.Generators", dependencies);
            Assert.DoesNotContain("Traktor.Ecs.Generators", dependencies);
            if (library == "Traktor.Ecs.Net")
            {
                // The generator runs in the user's compilation, as an analyzer inside this package.
                Assert.Contains("analyzers/dotnet/cs/Traktor.Ecs.Net.Generators.dll", entries);
                Assert.Contains("Traktor.Ecs", dependencies);
            }

            if (library is "Traktor.Ecs" or "Traktor.Ecs.Net" or "Traktor.Ecs.Net.Scripting")
            {
                // The global usings a project with ImplicitUsings on gets, for direct and transitive references alike.
                Assert.Contains($"build/{library}.targets", entries);
                Assert.Contains($"buildTransitive/{library}.targets", entries);
            }

            if (library == "Traktor.Ecs")
            {
                // TraktorArchCompat compiles this file into the consumer, from next to whichever targets file it imported.
                Assert.Contains("build/Traktor.Ecs.ArchNamespaces.cs", entries);
                Assert.Contains("buildTransitive/Traktor.Ecs.ArchNamespaces.cs", entries);

                // Its overload generator runs only while Traktor.Ecs itself builds (docs/ECS.md): no analyzer ships.
                Assert.DoesNotContain(entries, e => e.StartsWith("analyzers/", StringComparison.Ordinal));
            }
        }

        using var symbols = ZipFile.OpenRead(snupkg);
        Assert.Contains($"lib/net10.0/{library}.pdb", symbols.Entries.Select(e => e.FullName));
    }

    /// <summary>The version every package carries: Directory.Build.props's VersionPrefix, as this test assembly has it.</summary>
    private static string Version =>
        typeof(World).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    private static string Configuration =>
        typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    private static string SolutionFilter(IEnumerable<string> projects) =>
        $$"""
        { "solution": { "path": "{{Path.Combine(DocsCompileTests.RepositoryRoot(), "Traktor.Ecs.sln").Replace("\\", "/", StringComparison.Ordinal)}}",
          "projects": [ {{string.Join(", ", projects.Select(p => $"\"{p}/{p}.csproj\""))}} ] } }
        """;

    private static async Task<string> GlobalPackagesFolderAsync(string workingDirectory)
    {
        string output = await DotnetAsync(workingDirectory, "nuget", "locals", "global-packages", "--list");
        const string prefix = "global-packages:";
        string line = output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..].Trim();
    }

    /// <summary>
    /// Only the local feed and the machine's global packages folder (as a folder feed): the restore works
    /// offline, and the fresh project's packages go to a folder of its own, so this run's packages never
    /// mix with the machine's cache.
    /// </summary>
    private static string NugetConfig(string feed, string globalPackages, string packagesFolder) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <config>
            <add key="globalPackagesFolder" value="{packagesFolder}" />
          </config>
          <packageSources>
            <clear />
            <add key="traktor-local" value="{feed}" />
            <add key="machine-cache" value="{globalPackages}" />
          </packageSources>
        </configuration>
        """;

    private static string GameProject =>
        $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
            <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
            <TraktorImplicitUsings>true</TraktorImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Traktor.Ecs.Net" Version="{Version}" />
            <PackageReference Include="Traktor.Ecs.Net.Scripting" Version="{Version}" />
          </ItemGroup>
        </Project>
        """;

    private const string GameProgram =
        """
        // No `using` for Traktor.Ecs, .Systems, .Net, .Net.Sessions, .Net.Online or .Net.Scripting: the packages' build files
        // add them to a project with TraktorImplicitUsings set (ConnectTokenIssuer is in Traktor.Ecs.Net).
        using PackedGame;

        // A server world and a client world over the in-memory network: the ship the server spawns reaches
        // the client through the serializers the package's generator wrote for Position and Health.
        var registry = ReplicationRegistry.FromSchemas([PackedGame.GeneratedNetworkSchema.Instance]);
        const ulong protocol = 0x5452414B;
        byte[] key = ConnectTokenIssuer.GenerateServerKey();
        var network = new InMemoryNetwork();
        var serverSocket = network.CreateTransport();
        NetAddress[] servers = [serverSocket.LocalAddress];
        using var serverTransport = new NetServer(serverSocket, new NetServerOptions
        {
            ProtocolId = protocol, SchemaHash = registry.ProtocolHash, PrivateKey = key, PublicAddresses = servers,
        });
        using var clientTransport = new NetClient(network.CreateTransport(), new NetClientOptions { ProtocolId = protocol, SchemaHash = registry.ProtocolHash });

        using var serverWorld = World.Create();
        using var clientWorld = World.Create();
        var server = new NetworkServer(serverWorld, serverTransport, registry);
        var client = new NetworkClient(clientWorld, clientTransport, registry, tickRate: 60);
        using var serverGroup = new Group<float>("server", server);
        using var clientGroup = new Group<float>("client", client);
        serverGroup.Initialize();
        clientGroup.Initialize();
        server.ClientConnected += (connection, clientId) => serverWorld.Create(new Position { X = 12.5f, Y = -3.25f }, new Health { Value = 100 });

        clientTransport.Connect(new ConnectTokenIssuer(key, protocol).Issue(1, [], TimeSpan.FromMinutes(1), servers));
        var ships = new QueryDescription().WithAll<Position, Health, NetworkId>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (clientWorld.CountEntities(in ships) == 0)
        {
            if (DateTime.UtcNow > deadline) { Console.WriteLine("the ship never reached the client"); return 1; }
            float dt = 1f / 60f;
            clientGroup.Tick(in dt);
            serverGroup.Tick(in dt);
            Thread.Sleep(2);
        }

        clientWorld.Query(in ships, (ref Position p, ref Health h, ref NetworkId id) =>
            Console.WriteLine(FormattableString.Invariant($"client replicated {id} at ({p.X:0.00}, {p.Y:0.00}) with {h.Value} health")));
        ScriptValue scripted = new ScriptTable().With("health", 100);   // the scripting package's surface, no using either
        Console.WriteLine($"a script would get a {scripted.Kind}");
        return 0;

        namespace PackedGame
        {
            [Replicated(Smoothing = Smoothing.Snap)]
            public struct Position { [Range(-1000, 1000)] [Quantize(0.01f)] public float X; [Range(-1000, 1000)] [Quantize(0.01f)] public float Y; }

            [Replicated(Smoothing = Smoothing.Snap)]
            public struct Health { [Range(0, 100)] public int Value; }
        }
        """;

    /// <summary>Runs dotnet with the given arguments; fails the test with its output unless it exits 0 in time.</summary>
    private static async Task<string> DotnetAsync(string workingDirectory, params string[] arguments)
    {
        using var process = new ChildProcess("dotnet", arguments, workingDirectory, ChildEnvironment);
        int? exit = await process.WaitAsync(StepTimeout);
        Assert.True(exit == 0, $"dotnet {string.Join(' ', arguments)} {(exit is null ? "timed out" : $"exited {exit}")}:\n{process.Output}");
        return process.Output;
    }

    /// <summary>
    /// The child builds must not inherit the test run's MSBuild state, and must leave no build server
    /// (compiler server, MSBuild nodes) running after the test.
    /// </summary>
    private static void ChildEnvironment(IDictionary<string, string?> environment)
    {
        foreach (string key in environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "DOTNET_HOST_PATH").ToList())
        {
            environment.Remove(key);
        }

        environment["UseSharedCompilation"] = "false";
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
    }
}
