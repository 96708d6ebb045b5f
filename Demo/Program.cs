Console.WriteLine("Traktor.Ecs.Net demo");
return 0;
