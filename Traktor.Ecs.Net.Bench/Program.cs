using BenchmarkDotNet.Running;

// Run a subset with: dotnet run -c Release --project Traktor.Ecs.Net.Bench -- --filter '*Query*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
