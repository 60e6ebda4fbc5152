// The local commercetools: @labdigital/commercetools-mock plus a shim for what the
// real platform does and the mock does not.
//
// - API Extensions: on payment Create/Update the registered HTTP extensions whose
//   trigger and condition match are called with commercetools' request body and
//   Authorization header, within their timeoutInMs; returned actions are applied
//   before the payment is stored; an extension's 400 becomes the caller's error and
//   nothing is stored.
// - Client credentials are checked at /oauth/token, and API calls need a token.
// - /_emulator/* lets tests count API requests, list the tokens issued, and inject
//   faults (answer 503, reset connections, or answer the next payment update 409)
//   without losing the stored data.
//
// Settings come from the environment: EMULATOR_PORT, EMULATOR_CLIENT_ID,
// EMULATOR_CLIENT_SECRET, and EMULATOR_CLIENTS (a JSON object of further client ids and
// their secrets: one per tenant's project, say). It listens on 127.0.0.1 only.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { CommercetoolsMock, InMemoryStorage } from "@labdigital/commercetools-mock";

const PORT = Number.parseInt(process.env.EMULATOR_PORT ?? "8989", 10);
const CLIENT_ID = process.env.EMULATOR_CLIENT_ID ?? "connector";
const CLIENT_SECRET = process.env.EMULATOR_CLIENT_SECRET ?? "connector-secret";
const CLIENTS = new Map(Object.entries({ ...JSON.parse(process.env.EMULATOR_CLIENTS ?? "{}"), [CLIENT_ID]: CLIENT_SECRET }));
const DEFAULT_TIMEOUT_MS = 2000;
const CONDITION_SCRATCH_PROJECT = "--extension-conditions--";
// The caller's X-Correlation-ID (or a new one), forwarded to extensions as commercetools does.
const requestContext = new AsyncLocalStorage();

class PlatformError extends Error {
	constructor(statusCode, errors) {
		super(errors[0].message);
		this.statusCode = statusCode;
		this.body = { statusCode, message: errors[0].message, errors };
	}
}

function concurrentModification(id, version) {
	return new PlatformError(409, [
		{
			code: "ConcurrentModification",
			message: `Object ${id} has a different version than expected. Expected: ${version}.`,
			currentVersion: version,
		},
	]);
}

// Calls the payment extensions the way commercetools does, inside the storage write so
// that a rejected Create or Update leaves nothing behind.
class ExtensionCallingStorage extends InMemoryStorage {
	mock = null;
	paymentsInFlight = new Set();

	async add(projectKey, typeId, obj, params) {
		if (typeId !== "payment") return super.add(projectKey, typeId, obj, params);
		// The mock checked the version before this call. A second write of the same
		// payment arriving while the first waits on an extension started from the same
		// version, so commercetools would answer it 409 too.
		const lockKey = `${projectKey}/${obj.id}`;
		if (this.paymentsInFlight.has(lockKey)) throw concurrentModification(obj.id, obj.version);
		this.paymentsInFlight.add(lockKey);
		try {
			const stored = await super.get(projectKey, "payment", obj.id);
			const action = stored ? "Update" : "Create";
			const extended = await this.applyExtensions(projectKey, action, obj);
			return await super.add(projectKey, typeId, extended, params);
		} finally {
			this.paymentsInFlight.delete(lockKey);
		}
	}

	async applyExtensions(projectKey, action, payment) {
		let resource = payment;
		for (const extension of await this.all(projectKey, "extension")) {
			if (!(await this.triggers(extension, action, resource))) continue;
			const actions = await callExtension(extension, action, resource);
			resource = await this.applyActions(projectKey, extension, resource, actions);
		}
		return resource;
	}

	async triggers(extension, action, payment) {
		for (const trigger of extension.triggers ?? []) {
			if (trigger.resourceTypeId !== "payment" || !trigger.actions.includes(action)) continue;
			if (!trigger.condition || (await this.matches(trigger.condition, payment, extension))) {
				return true;
			}
		}
		return false;
	}

	// Evaluates a trigger condition with the mock's own predicate engine, on a copy of
	// the payment in a scratch project.
	async matches(condition, payment, extension) {
		await super.add(CONDITION_SCRATCH_PROJECT, "payment", payment);
		try {
			const found = await super.query(CONDITION_SCRATCH_PROJECT, "payment", {
				where: [`id = "${payment.id}"`, condition],
			});
			return found.count === 1;
		} catch (error) {
			throw new PlatformError(400, [
				{
					code: "ExtensionPredicateEvaluationFailed",
					message: `The condition of extension ${extension.key ?? extension.id} could not be evaluated: ${error.message}`,
					errorByExtension: errorByExtension(extension),
				},
			]);
		} finally {
			await super.delete(CONDITION_SCRATCH_PROJECT, "payment", payment.id, {});
		}
	}

	async applyActions(projectKey, extension, payment, actions) {
		if (actions.length === 0) return payment;
		const handler = this.mock.project(projectKey).getRepository("payment").actions;
		try {
			return await handler.apply({ projectKey }, payment, payment.version, actions);
		} catch (error) {
			throw new PlatformError(502, [
				{
					code: "ExtensionUpdateActionsFailed",
					message: "The extension returned update actions that could not be executed.",
					extensionErrors: [
						{
							code: error.info?.code ?? "InvalidOperation",
							message: error.message,
							extensionId: extension.id,
							extensionKey: extension.key,
						},
					],
				},
			]);
		}
	}
}

function errorByExtension(extension) {
	return { id: extension.id, key: extension.key };
}

async function callExtension(extension, action, payment) {
	const destination = extension.destination;
	const headers = {
		"Content-Type": "application/json",
		"X-Correlation-ID": requestContext.getStore()?.correlationId ?? randomUUID(),
	};
	if (destination.authentication?.type === "AuthorizationHeader") {
		headers.Authorization = destination.authentication.headerValue;
	}
	const body = JSON.stringify({ action, resource: { typeId: "payment", id: payment.id, obj: payment } });
	let response;
	let text;
	try {
		response = await fetch(destination.url, {
			method: "POST",
			headers,
			body,
			signal: AbortSignal.timeout(extension.timeoutInMs ?? DEFAULT_TIMEOUT_MS),
		});
		text = await response.text();
	} catch (error) {
		console.warn(`extension ${extension.key ?? extension.id}: ${error.name} ${error.message}`);
		throw new PlatformError(504, [
			{
				code: "ExtensionNoResponse",
				message: "Extension did not respond in time.",
				extensionId: extension.id,
				extensionKey: extension.key,
			},
		]);
	}
	const parsed = parseJson(text);
	if (response.status === 200 || response.status === 201) {
		if (parsed && (parsed.actions === undefined || Array.isArray(parsed.actions))) {
			return parsed.actions ?? [];
		}
	} else if (response.status === 400 && Array.isArray(parsed?.errors) && parsed.errors.length > 0) {
		throw new PlatformError(
			400,
			parsed.errors.map((error) => ({ ...error, errorByExtension: errorByExtension(extension) })),
		);
	}
	throw new PlatformError(502, [
		{
			code: "ExtensionBadResponse",
			message: "The extension's response could not be processed.",
			extensionStatusCode: response.status,
			extensionBody: text.slice(0, 2000),
			extensionId: extension.id,
			extensionKey: extension.key,
			extensionErrors: [],
		},
	]);
}

function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}

function basicCredentials(header) {
	const [scheme, encoded] = (header ?? "").split(" ");
	if (scheme?.toLowerCase() !== "basic" || !encoded) return null;
	const decoded = Buffer.from(encoded, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	return colon < 0 ? null : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function invalidClient() {
	const message = "Please provide valid client credentials using HTTP Basic Authentication.";
	return {
		statusCode: 401,
		message,
		errors: [{ code: "invalid_client", message }],
		error: "invalid_client",
		error_description: message,
	};
}

// Tests inject faults here: "unavailable" answers 503, "reset" drops the connection,
// "conflict" answers the next payment update 409 (then "none" again).
const control = { fault: "none", requests: 0, byRoute: {} };
const FAULTS = ["none", "unavailable", "reset", "conflict"];
const PAYMENT_UPDATE = /^\/[^/]+\/payments\/[^/]+$/;

function countRequest(request) {
	control.requests += 1;
	const route = `${request.method} ${request.routeOptions?.url ?? request.url.split("?")[0]}`;
	control.byRoute[route] = (control.byRoute[route] ?? 0) + 1;
}

// Fastify warns (FSTWRN004) when an error handler is replaced, which the shim does on
// purpose; every other warning is still printed.
function silenceErrorHandlerOverrideWarning() {
	process.removeAllListeners("warning");
	process.on("warning", (warning) => {
		if (warning.code !== "FSTWRN004") console.warn(warning);
	});
}

function installShim(mock) {
	const app = mock.app;
	silenceErrorHandlerOverrideWarning();
	const mockErrorHandler = app.errorHandler;
	app.setErrorHandler(function handle(error, request, reply) {
		if (error instanceof PlatformError) return reply.status(error.statusCode).send(error.body);
		return mockErrorHandler.call(this, error, request, reply);
	});

	app.addHook("onRequest", async (request, reply) => {
		if (request.url.startsWith("/_emulator/")) return;
		const correlationId = request.headers["x-correlation-id"] || `emulator-${randomUUID()}`;
		requestContext.enterWith({ correlationId });
		reply.header("X-Correlation-ID", correlationId);
		if (control.fault === "reset") {
			reply.hijack();
			request.raw.socket.destroy();
			return;
		}
		if (control.fault === "unavailable") {
			return reply.status(503).send({
				statusCode: 503,
				message: "Service unavailable (injected by the emulator).",
				errors: [{ code: "ServiceUnavailable", message: "Service unavailable (injected by the emulator)." }],
			});
		}
		if (request.url.startsWith("/oauth/token")) {
			const credentials = basicCredentials(request.headers.authorization);
			if (!credentials || !CLIENTS.has(credentials[0]) || CLIENTS.get(credentials[0]) !== credentials[1]) {
				return reply.status(401).send(invalidClient());
			}
		}
	});
	// commercetools treats a custom object draft with version 0 as "create only"; the
	// mock overwrites instead.
	app.addHook("preHandler", async (request) => {
		const body = request.body;
		if (request.method !== "POST" || body?.version !== 0 || !/^\/[^/]+\/custom-objects\/?$/.test(request.url.split("?")[0])) return;
		const projectKey = request.url.split("/")[1];
		const existing = await mock.project(projectKey).getRepository("key-value-document");
		const found = await existing.getWithContainerAndKey({ projectKey }, body.container, body.key);
		if (found) throw concurrentModification(found.id, found.version);
	});
	// As if another writer had changed the payment first; once, so that a retry on the
	// fresh version goes through.
	app.addHook("preHandler", async (request) => {
		const path = request.url.split("?")[0];
		if (control.fault !== "conflict" || request.method !== "POST" || !PAYMENT_UPDATE.test(path)) return;
		control.fault = "none";
		throw concurrentModification(path.split("/").pop(), request.body?.version);
	});
	app.addHook("onResponse", async (request) => {
		if (!request.url.startsWith("/_emulator/")) countRequest(request);
	});

	app.get("/_emulator/health", async () => ({ status: "ok" }));
	app.get("/_emulator/stats", async () => ({ requests: control.requests, byRoute: control.byRoute }));
	app.post("/_emulator/stats/reset", async () => {
		control.requests = 0;
		control.byRoute = {};
		return { requests: 0 };
	});
	// Every access and refresh token handed out, which no log line may hold.
	app.get("/_emulator/tokens", async () => ({
		tokens: mock.authStore().tokens.flatMap((token) => [token.access_token, token.refresh_token]),
	}));
	app.post("/_emulator/fault", async (request) => {
		const fault = request.body?.fault ?? "none";
		if (!FAULTS.includes(fault)) {
			throw new PlatformError(400, [{ code: "InvalidInput", message: `unknown fault ${fault}` }]);
		}
		control.fault = fault;
		return { fault };
	});
}

const storage = new ExtensionCallingStorage();
const mock = new CommercetoolsMock({
	strict: true,
	silent: true,
	enableAuthentication: true,
	validateCredentials: true,
	storage,
});
storage.mock = mock;
installShim(mock);

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));

await mock.app.listen({ port: PORT, host: "127.0.0.1" });
console.log(`commercetools emulator listening on http://127.0.0.1:${PORT}`);
