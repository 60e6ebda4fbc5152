// The load generator's own ceiling: a server that does nothing but answer.
import http from "node:http";

const port = Number.parseInt(process.env.TRIVIAL_PORT ?? "8999", 10);
const body = '{"status":"ok"}';
http
	.createServer((request, response) => {
		request.resume();
		request.on("end", () => {
			response.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
			response.end(body);
		});
	})
	.listen(port, "127.0.0.1", () => console.log(`trivial server on ${port}`));
