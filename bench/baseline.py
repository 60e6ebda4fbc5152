"""The baseline: a minimal Flask app under the same gunicorn settings that receives the
extension's body, makes the same single HTTP call with a pooled requests session, and
returns a fixed action list. What a straightforward connector costs at least."""

import os
import uuid

import requests
from flask import Flask, request
from requests.adapters import HTTPAdapter

app = Flask(__name__)
session = requests.Session()
# As many pooled connections as gunicorn threads, so that none is opened per call.
session.mount("http://", HTTPAdapter(pool_maxsize=64))
PROVIDER_URL = os.environ["BASELINE_PROVIDER_URL"]
ACTIONS = {"actions": [{"action": "setInterfaceId", "interfaceId": "baseline"}]}


@app.post("/extension")
def extension():
    payment = request.get_json()["resource"]["obj"]
    session.post(PROVIDER_URL, json={"clientUniqueId": payment["id"], "clientRequestId": uuid.uuid4().hex}, timeout=5)
    return ACTIONS


@app.get("/health")
def health():
    return {"status": "ok"}
